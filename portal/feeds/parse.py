"""Reading a feed file as a stream: CSV (any delimiter and encoding the feed names) or
JSON (an array of objects, read with ijson), one row at a time with its line number.

``FeedReader.rows()`` yields the good rows as ``(line, sku, quantity)`` tuples, or
``(line, sku, quantity, incoming_quantity, incoming_date)`` when the mapping names the
incoming columns, and reports every bad line to ``bad(line, message)``: a byte the
encoding cannot read, a missing SKU, a quantity that is no whole number from 0 to
1,000,000. A header without a mapped column, or a file that stops being CSV/JSON, raises
``FeedFormatError``. For JSON the "line" is the record's position in the array (1, 2, …).
Nothing here touches the database; checks against it happen in ``importer.py``.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import BinaryIO

from flask_babel import lazy_gettext as _l

from portal.csvfiles import CsvValueError, parse_whole_number
from portal.inventory.services import MAX_QUANTITY

FORMATS = ("csv", "json")
DELIMITERS = {",": _l("Comma ,"), ";": _l("Semicolon ;"), "\t": _l("Tab"), "|": _l("Bar |")}
ENCODINGS = {"utf-8": "UTF-8", "windows-1252": "Windows-1252", "iso-8859-1": "ISO-8859-1",
             "iso-8859-15": "ISO-8859-15", "utf-16": "UTF-16"}
SKU_LENGTH = 40
SKU_OK = re.compile(r"[^\s/\\\x00-\x1f\x7f]+")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
GERMAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")

PROGRESS_EVERY = 50_000
COUNT_ERRORS = "feed-count-and-replace"

Bad = Callable[[int | None, str], None]
_decoding = threading.local()


def _count_and_replace(error: UnicodeDecodeError) -> tuple[str, int]:
    """Codec error handler: count the bad bytes (per thread) and read on past them."""
    _decoding.errors = getattr(_decoding, "errors", 0) + 1
    return "\ufffd", error.end


codecs.register_error(COUNT_ERRORS, _count_and_replace)


class FeedFormatError(ValueError):
    """The file cannot be read on from ``line`` (None: the file as a whole)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class ParseSpec:
    """How to read a file: format, CSV delimiter and encoding, the mapping."""

    format: str = "csv"
    delimiter: str = ","
    encoding: str = "utf-8"
    sku: str = "sku"
    quantity: str = "quantity"
    incoming_quantity: str = ""
    incoming_date: str = ""
    records: str = ""  # JSON: the key of the array ("" = the file is the array)

    @property
    def with_incoming(self) -> bool:
        return bool(self.incoming_quantity and self.incoming_date)


def spec_of(feed) -> ParseSpec:
    """The ParseSpec of a SupplierFeed."""
    columns = feed.columns
    return ParseSpec(feed.format, feed.delimiter or ",", feed.encoding or "utf-8",
                     columns.get("sku", ""), columns.get("quantity", ""),
                     columns.get("incoming_quantity", ""), columns.get("incoming_date", ""),
                     columns.get("records", ""))


def parse_quantity(value) -> int:
    """A whole number of units from 0 to MAX_QUANTITY (text as in CSV files, or a JSON
    number); CsvValueError says what is wrong."""
    if isinstance(value, bool):
        raise CsvValueError(str(_l("Not a whole number.")))
    if isinstance(value, int):
        number = value
    elif isinstance(value, Decimal | float):
        if value != int(value):
            raise CsvValueError(str(_l("Not a whole number.")))
        number = int(value)
    else:
        text = str(value).strip()
        if not text:
            raise CsvValueError(str(_l("A value is required.")))
        number = int(text) if text.isascii() and text.isdigit() else parse_whole_number(text)
    if not 0 <= number <= MAX_QUANTITY:
        raise CsvValueError(str(_l("Between %(low)s and %(high)s", low=0, high=MAX_QUANTITY)))
    return number


def parse_day(value) -> date:
    """A date written 2026-05-31 or 31.05.2026."""
    text = str(value).strip()
    try:
        if ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
        if match := GERMAN_DATE.fullmatch(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        pass
    raise CsvValueError(str(_l("Not a date; write 2026-05-31 or 31.05.2026.")))


def check_sku(value) -> str:
    """The SKU of a row, stripped; CsvValueError when empty, too long or with spaces."""
    sku = str(value).strip() if value is not None else ""
    if not sku:
        raise CsvValueError(str(_l("The SKU is missing.")))
    if len(sku) > SKU_LENGTH or not SKU_OK.fullmatch(sku):
        raise CsvValueError(str(_l("Not a SKU: at most %(n)s characters, no spaces or "
                                   "slashes.", n=SKU_LENGTH)))
    return sku


class FeedReader:
    """One pass over a feed file. ``rows`` counts every data row read, good or bad,
    ``good`` the rows yielded; ``progress(rows)`` is called every PROGRESS_EVERY rows."""

    def __init__(self, stream: BinaryIO, spec: ParseSpec, bad: Bad,
                 progress: Callable[[int], None] | None = None,
                 lines: Iterable[tuple[int, bytes]] | None = None):
        self.stream, self.spec, self.bad, self.progress = stream, spec, bad, progress
        self.lines = lines  # CSV only: read these (number, raw line) instead of the stream
        self.rows = self.good = 0

    def good_rows(self) -> Iterator[tuple]:
        """The good rows, in file order (see the module docstring). A broken header
        raises FeedFormatError; a file that breaks later is one more bad line, and the
        rows before it still come."""
        if self.spec.format == "json":
            return self._json_rows()
        return self._csv_rows()

    def _tick(self, rows: int) -> None:
        self.rows = rows
        if self.progress is not None:
            self.progress(rows)

    # -- CSV ---------------------------------------------------------------------------

    def _csv_rows(self) -> Iterator[tuple]:
        """The fast path: decode through a text wrapper that replaces (and counts) bytes
        the encoding cannot read; when it counted any, ``_find_undecodable`` reads the
        file once more line by line to name those lines. One generator, no per-row call
        or delegation: a million rows pass through this loop."""
        spec, bad = self.spec, self.bad
        encoding = ("utf-8-sig" if codecs.lookup(spec.encoding).name == "utf-8"
                    else spec.encoding)
        _decoding.errors = 0
        if self.lines is None:
            text = io.TextIOWrapper(self.stream, encoding=encoding, errors=COUNT_ERRORS,
                                    newline="")
            reader = numbering = csv.reader(text, delimiter=spec.delimiter)
        else:
            text, numbering = None, _Numbered(self.lines, encoding)
            reader = csv.reader(iter(numbering), delimiter=spec.delimiter)
        rows = good = 0
        try:
            at = self._csv_columns(reader)
            need, i_sku, i_qty = max(at) + 1, at[0], at[1]
            incoming, high = spec.with_incoming, MAX_QUANTITY
            for values in reader:  # a row's line is the one it ends on
                if not values:
                    continue
                rows += 1
                if not rows % PROGRESS_EVERY:
                    self._tick(rows)
                if len(values) < need:
                    if any(v.strip() for v in values):
                        bad(numbering.line_num, str(_l(
                            "%(found)s values; the mapped columns need %(need)s.",
                            found=len(values), need=need)))
                    else:
                        rows -= 1  # a line of separators only
                    continue
                sku, text_value = values[i_sku].strip(), values[i_qty]
                try:
                    quantity = int(text_value)
                except ValueError:
                    quantity = -1
                try:
                    if not sku:
                        if not any(v.strip() for v in values):
                            rows -= 1
                            continue
                        check_sku(sku)
                    if not 0 <= quantity <= high:
                        quantity = parse_quantity(text_value)
                    if incoming:
                        row = (numbering.line_num, sku, quantity,
                               *_incoming(values[at[2]], values[at[3]]))
                    else:
                        row = (numbering.line_num, sku, quantity)
                except CsvValueError as error:
                    bad(numbering.line_num, str(error))
                    continue
                good += 1
                yield row
        except csv.Error as error:
            bad(numbering.line_num + 1, str(_l(
                "The file cannot be read as CSV from this line on (%(detail)s).",
                detail=error)))
        finally:
            self.good = good
            self._tick(rows)
            if text is not None:
                text.detach()  # the caller closes the file
        if _decoding.errors:
            self._find_undecodable()

    def _csv_columns(self, reader) -> list[int]:
        """The positions of the mapped columns (sku, quantity[, incoming, date]) in the
        header; FeedFormatError when the header is missing one."""
        spec = self.spec
        try:
            header = [name.strip().lower() for name in next(reader, [])]
        except csv.Error as error:
            raise FeedFormatError(str(_l("This is not a readable CSV file (%(detail)s).",
                                         detail=error)), 1) from error
        if header:
            header[0] = header[0].removeprefix("\ufeff")
        if not any(header):
            raise FeedFormatError(str(_l("The file is empty.")), None)
        wanted = [spec.sku, spec.quantity]
        if spec.with_incoming:
            wanted += [spec.incoming_quantity, spec.incoming_date]
        missing = [name for name in wanted if name.strip().lower() not in header]
        if missing:
            raise FeedFormatError(str(_l(
                'Column "%(name)s" is missing; the header has: %(columns)s.',
                name=missing[0], columns=", ".join(h for h in header if h)[:300])), 1)
        return [header.index(name.strip().lower()) for name in wanted]

    def _find_undecodable(self) -> None:
        """Name every line the encoding cannot read (a second, slower pass)."""
        encoding = self.spec.encoding
        message = str(_l("This line is not valid %(encoding)s text; check the feed's "
                         "encoding.", encoding=ENCODINGS.get(encoding, encoding)))
        self.stream.seek(0)
        if codecs.lookup(encoding).name.startswith("utf-16"):
            self.bad(None, message)
            return
        decode = codecs.getdecoder(encoding)
        for number, raw in enumerate(self.stream, 1):
            try:
                decode(raw)
            except UnicodeDecodeError:
                self.bad(number, message)

    # -- JSON --------------------------------------------------------------------------

    def _json_rows(self) -> Iterator[tuple]:
        import ijson

        spec, bad = self.spec, self.bad
        prefix = f"{spec.records}.item" if spec.records else "item"
        number = 0
        try:
            for number, item in enumerate(ijson.items(self.stream, prefix,  # noqa: B007
                                                      use_float=False), 1):
                if not number % PROGRESS_EVERY:
                    self._tick(number)
                if not isinstance(item, dict):
                    bad(number, str(_l("Record %(n)s is not an object.", n=number)))
                    continue
                try:
                    sku = check_sku(item.get(spec.sku))
                    quantity = parse_quantity(item.get(spec.quantity, ""))
                    if spec.with_incoming:
                        row = (number, sku, quantity,
                               *_incoming(item.get(spec.incoming_quantity),
                                          item.get(spec.incoming_date)))
                    else:
                        row = (number, sku, quantity)
                except CsvValueError as error:
                    bad(number, str(error))
                    continue
                self.good += 1
                yield row
        except (ijson.JSONError, UnicodeDecodeError) as error:
            bad(number + 1, str(_l(
                "The file is not valid JSON (UTF-8) after record %(n)s (%(detail)s).",
                n=number, detail=str(error)[:200])))
            return
        finally:
            self._tick(number)
        if number == 0:
            raise FeedFormatError(str(_l(
                "No records found: the file should be a JSON array of objects, or an object "
                "whose key “%(key)s” holds one.", key=spec.records or "-")), None)


class _Numbered:
    """Raw lines with their numbers as text for csv.reader; ``line_num`` is the number of
    the line handed out last (so of the line a row ends on), as csv.reader counts."""

    def __init__(self, lines: Iterable[tuple[int, bytes]], encoding: str):
        self.lines, self.encoding, self.line_num = lines, encoding, 0

    def __iter__(self) -> Iterator[str]:
        encoding = self.encoding
        for number, raw in self.lines:
            self.line_num = number
            yield raw.decode(encoding, errors=COUNT_ERRORS)


def _incoming(quantity, day) -> tuple[int | None, str | None]:
    """Incoming units and their date (ISO text, as staged); both empty: (None, None)."""
    empty_quantity = quantity is None or str(quantity).strip() in ("", "0")
    if empty_quantity and (day is None or not str(day).strip()):
        return None, None
    units = parse_quantity(quantity if quantity is not None else "")
    if units == 0:
        return None, None
    return units, parse_day(day if day is not None else "").isoformat()
