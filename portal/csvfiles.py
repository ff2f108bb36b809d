"""CSV in and out, as German offices use it.

Exports are UTF-8 with a byte-order mark and ``;`` separators so Excel opens them
correctly; numbers with decimals use a decimal comma, and every cell that a
spreadsheet would run as a formula is defused.
Imports accept UTF-8 (with or without BOM), UTF-16 with BOM and Windows-1252, separated
by ``,``, ``;`` or tabs; ``read_table`` checks the header and the shape of every row,
and the cell parsers read both ``1234.50`` and ``1.234,50``. A file that is mostly UTF-8
but has a broken byte is refused rather than read as Windows-1252; NUL bytes and other
control characters (tab, CR and LF aside) are refused; the apostrophe the export puts
before formula-like text is taken off again, so an export imports unchanged.
Uploads wait in a private folder between preview and apply (``store_upload``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NamedTuple

from flask import Response, stream_with_context
from flask_babel import lazy_gettext as _l

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_DELIMITER = ";"
IMPORT_DELIMITERS = (",", ";", "\t")


def safe_cell(value) -> str:
    """Text for a CSV cell that no spreadsheet will evaluate (OWASP CSV injection).

    Numbers stay numbers (negative ones too; decimals get a German decimal comma);
    any other text starting with a formula character gets a leading apostrophe.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=EXPORT_DELIMITER, lineterminator="\r\n")
    writer.writerow(header)
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(cell) for cell in row])
        yield buffer.getvalue()


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> Response:
    """Stream rows as a CSV download (rows may be a lazy iterator over a big query)."""
    response = Response(stream_with_context(_lines(header, rows)),
                        mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# -- reading uploads ---------------------------------------------------------------

class CsvDecodeError(ValueError):
    """The file cannot be read as text; ``line`` names the line at fault when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


class CsvSyntaxError(ValueError):
    """The CSV structure breaks at ``line`` (a stray quote, a NUL byte, a huge field)."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


# A complete UTF-8 sequence of two to four bytes (no overlongs, no surrogates).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LINE_BREAK_BYTES = re.compile(rb"\r\n|\r|\n")
# ASCII control characters a cell may not hold (tab, LF and CR may; NUL is refused earlier).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What read_rows strips around a value: every whitespace character except the control
# characters above, so that a stray control character at either end is found, not dropped.
_STRIPPED = "".join(c for c in map(chr, range(0x3001))
                    if c.isspace() and not CONTROL_CHARS.match(c))


def decode_upload(data: bytes) -> str:
    """Bytes of an uploaded CSV as text: UTF-8 (BOM allowed), UTF-16 with BOM,
    else Windows-1252. Raises CsvDecodeError for binary files (xlsx, pdf, images), for
    NUL bytes anywhere, and for a file that is UTF-8 but for some broken bytes (read as
    Windows-1252 it would turn "Müller" into "MÃ¼ller" without a word)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise CsvDecodeError(str(_l("The file claims to be UTF-16 but is not."))) from error
    elif b"\x00" in data[:4096]:
        raise CsvDecodeError(str(_l("The file is not a text file (is it an Excel .xlsx?). "
                                    "Save it as CSV and upload again.")))
    else:
        text = _decode_bytes(data)
    if (nul := text.find("\x00")) >= 0:
        line = len(_LINE_BREAK.findall(text, 0, nul)) + 1
        raise CsvDecodeError(str(_l("Line %(line)s contains a NUL byte, so this is not a "
                                    "plain CSV text file. Save it as CSV and upload again.",
                                    line=line)), line)
    return text


def _decode_bytes(data: bytes) -> str:
    body = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        if _UTF8_MULTIBYTE.search(data):  # mostly UTF-8 (a BOM counts): a broken byte
            line = len(_LINE_BREAK_BYTES.findall(body, 0, error.start)) + 1
            raise CsvDecodeError(str(_l(
                "The file is not valid UTF-8 on line %(line)s. Correct that line, or save "
                "the file as \"CSV UTF-8\" again, and upload it again.", line=line)),
                line) from error
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise CsvDecodeError(str(_l("The file is neither UTF-8 nor Windows-1252 text. "
                                    "Save it as \"CSV UTF-8\" and upload again."))) from error


def unguard_cell(value: str) -> str:
    """Undo ``safe_cell``: one leading apostrophe before a formula character goes
    (``'=A1`` → ``=A1``; ``''=A1`` and ``'Rock'n'Roll`` stay as they are)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def read_rows(text: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Sniff ``,``, ``;`` or tab from the header line; return the lower-cased header and
    the non-empty rows as (line number, stripped values). The header is line 1, as a
    spreadsheet shows it; callers check that a row has as many values as the header.
    A value the export guarded against formulas (``'=A1``) comes back unguarded.
    A broken CSV structure raises CsvSyntaxError (with its line) while iterating.
    """
    first_line = text.split("\n", 1)[0]
    delimiter = max(IMPORT_DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in next(reader, [])]
    except csv.Error as error:
        raise CsvSyntaxError(1, str(error)) from error

    def rows():
        while True:
            start = reader.line_num + 1  # a quoted value may span lines; name the first
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise CsvSyntaxError(start, str(error)) from error
            values = [v.strip(_STRIPPED) for v in values]
            if not any(values):
                continue
            yield start, [unguard_cell(v) for v in values]

    return header, rows()


# -- cell values -------------------------------------------------------------------

class CsvValueError(ValueError):
    """A cell that cannot be read as the wanted type; the message says what is expected."""


_NOT_NUMBER_CHARS = re.compile(r"[\s\u00a0\u202f€]|eur$", re.IGNORECASE)
_GROUPED = re.compile(r"\d{1,3}(?:([.,'])\d{3})(?:\1\d{3})*")


def _ungroup(integer: str, separator_allowed: str) -> str | None:
    """``1.234.567`` → ``1234567``; None when the grouping is not in threes."""
    if integer.isdigit():
        return integer
    match = _GROUPED.fullmatch(integer)
    if match is None or match.group(1) not in separator_allowed:
        return None
    return re.sub(r"[.,']", "", integer)


def parse_decimal(text: str) -> Decimal:
    """A number written in English (``1234.50``, ``1,234.50``) or German (``1.234,50``,
    ``12,5``) style, with an optional € sign. A single ``.`` or ``,`` is the decimal
    separator; when both appear, the last one is."""
    body = _NOT_NUMBER_CHARS.sub("", text)
    sign = ""
    if body[:1] in "+-":
        sign, body = body[:1], body[1:]
    separators = [c for c in body if c in ".,"]
    decimal_separator = ""
    if "." in separators and "," in separators:
        decimal_separator = body[max(body.rfind("."), body.rfind(","))]
    elif len(separators) == 1:
        decimal_separator = separators[0]
    integer, _, fraction = body.rpartition(decimal_separator) if decimal_separator else (
        body, "", "")
    grouping = {".": ",'", ",": ".'", "": ".,'"}[decimal_separator]
    plain = _ungroup(integer, grouping) if integer else None
    if plain is None or (decimal_separator and not fraction.isdigit()):
        raise CsvValueError(str(_l("Not a number; write 1234.50 or 1.234,50.")))
    try:
        return Decimal(f"{sign}{plain}.{fraction}" if fraction else f"{sign}{plain}")
    except InvalidOperation as error:  # pragma: no cover - the checks above exclude it
        raise CsvValueError(str(_l("Not a number; write 1234.50 or 1.234,50."))) from error


def parse_whole_number(text: str) -> int:
    """A whole number, optionally grouped in thousands (``1.000``, ``1,000``)."""
    body = _NOT_NUMBER_CHARS.sub("", text)
    sign = ""
    if body[:1] in "+-":
        sign, body = body[:1], body[1:]
    plain = _ungroup(body, ".,'") if body else None
    if plain is None:
        raise CsvValueError(str(_l("Not a whole number.")))
    return int(sign + plain)


TRUE_WORDS = frozenset({"1", "true", "ja", "yes", "wahr", "j", "y"})
FALSE_WORDS = frozenset({"0", "false", "nein", "no", "falsch", "n"})


def parse_flag(text: str) -> bool:
    """1/0, true/false, ja/nein, yes/no, wahr/falsch (Excel's German TRUE/FALSE)."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CsvValueError(str(_l("Write 1 or 0 (also true/false, ja/nein).")))


# -- a whole table: header, row shape, typed cells --------------------------------------

class CsvProblem(NamedTuple):
    """One problem in a file: line (None for the file as a whole), column, message."""

    line: int | None
    column: str
    message: str


@dataclass
class CsvTable:
    """An uploaded table: the expected columns its header has, and its rows as
    (line, {column: text}). ``problems`` fills up while the rows are read;
    ``row_count`` counts every data line read so far, good or bad."""

    columns: list[str]
    rows: Iterator[tuple[int, dict[str, str]]]
    problems: list[CsvProblem]
    row_count: int = 0


def _header_name(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name)  # "Safety stock" → "safety_stock"


def read_table(data: bytes, expected: tuple[str, ...], required: tuple[str, ...] = (),
               ignored: tuple[str, ...] = (), max_rows: int = 200_000) -> CsvTable:
    """Decode an upload and check its header: unknown, doubled and missing columns,
    emptiness and undecodable bytes become problems (and then no rows come). Rows
    with the wrong number of values, rows beyond ``max_rows`` and broken quoting
    become problems of their line while the rows are read. ``ignored`` columns
    (read-only columns of an export) are accepted and dropped."""
    table = CsvTable([], iter(()), [])
    try:
        text = decode_upload(data)
        if not text.strip():
            raise CsvDecodeError(str(_l("The file is empty.")))
        header, rows = read_rows(text)
    except CsvDecodeError as error:
        table.problems.append(CsvProblem(error.line, "", str(error)))
        return table
    except CsvSyntaxError as error:
        table.problems.append(CsvProblem(error.line, "", str(_l(
            "This is not a readable CSV file (%(detail)s).", detail=error))))
        return table
    header = [_header_name(name) for name in header]
    named = [name for name in header if name]
    for name in named:
        if name not in expected and name not in ignored:
            table.problems.append(CsvProblem(1, name, str(_l(
                'Unknown column "%(name)s". Expected columns: %(columns)s.',
                name=name, columns=", ".join(expected)))))
    for name in sorted({n for n in named if named.count(n) > 1}):
        table.problems.append(CsvProblem(1, name, str(_l('Column "%(name)s" appears twice.',
                                                         name=name))))
    for name in required:
        if name not in header:
            table.problems.append(CsvProblem(1, name, str(_l(
                'Required column "%(name)s" is missing.', name=name))))
    if not table.problems:
        table.columns = [name for name in header if name in expected]
        table.rows = _table_rows(table, header, rows, expected, max_rows)
    return table


def _table_rows(table: CsvTable, header: list[str], rows, expected, max_rows: int):
    problems = table.problems
    try:
        for line, values in rows:
            if table.row_count >= max_rows:
                problems.append(CsvProblem(line, "", str(_l(
                    "More than %(n)s rows; split the file into smaller ones.", n=max_rows))))
                return
            table.row_count += 1
            if len(values) != len(header):
                problems.append(CsvProblem(line, "", str(_l(
                    "%(found)s values, but the header has %(expected)s columns.",
                    found=len(values), expected=len(header)))))
            elif any(value for name, value in zip(header, values, strict=True) if not name):
                problems.append(CsvProblem(line, "", str(_l(
                    "A value stands in a column without a name."))))
            elif controls := [(name, match.group()) for name, value in zip(header, values,
                                                                              strict=True)
                              if name in expected and (match := CONTROL_CHARS.search(value))]:
                for name, char in controls:
                    problems.append(CsvProblem(line, name, str(_l(
                        "The value contains an invisible control character (%(code)s); "
                        "remove it.", code=f"U+{ord(char):04X}"))))
            else:
                yield line, {n: v for n, v in zip(header, values, strict=True) if n in expected}
    except CsvSyntaxError as error:
        problems.append(CsvProblem(error.line, "", str(_l(
            "The file cannot be read as CSV from this line on (%(detail)s).", detail=error))))
    if table.row_count == 0:
        problems.append(CsvProblem(None, "", str(_l("The file has a header but no rows."))))


class CellReader:
    """Typed values from one row; each bad cell adds a problem on the row's line and
    clears ``ok``."""

    def __init__(self, line: int, raw: dict[str, str], problems: list[CsvProblem]):
        self.line, self.raw, self.problems, self.ok = line, raw, problems, True

    def fail(self, column: str, message) -> None:
        """Record a problem with one cell."""
        self.problems.append(CsvProblem(self.line, column, str(message)))
        self.ok = False

    def text(self, column: str, max_length: int, *, required: bool = False) -> str:
        """The text of a cell, checked for presence and length."""
        value = self.raw.get(column, "")
        if required and not value:
            self.fail(column, _l("A value is required."))
        elif len(value) > max_length:
            self.fail(column, _l("At most %(n)s characters.", n=max_length))
        return value

    def typed(self, column: str, parse: Callable, low=None, high=None):
        """The cell read by ``parse`` (e.g. parse_decimal) within [low, high]; None when
        the cell is empty or wrong."""
        text = self.raw.get(column, "")
        if not text:
            return None
        try:
            value = parse(text)
        except CsvValueError as error:
            self.fail(column, error)
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            self.fail(column, _l("Between %(low)s and %(high)s", low=low, high=high))
            return None
        return value


# -- uploads kept between preview and apply ------------------------------------------

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")


class UploadGone(LookupError):
    """The kept upload does not exist (never did, already applied, or expired)."""


def _private_file(path: Path, content: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def store_upload(folder: Path, data: bytes, meta: dict) -> str:
    """Keep an uploaded file (readable by this process's user only) with a little
    metadata; return the random token that names it."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    _private_file(folder / f"{token}.json", json.dumps(meta).encode())
    _private_file(folder / f"{token}.csv", data)
    return token


def load_upload(folder: Path, token: str, max_age_seconds: float) -> tuple[bytes, dict]:
    """The kept file and its metadata; UploadGone when unknown or older than max age."""
    if not TOKEN_PATTERN.fullmatch(token or ""):
        raise UploadGone(token)
    data_path, meta_path = folder / f"{token}.csv", folder / f"{token}.json"
    try:
        if time.time() - data_path.stat().st_mtime > max_age_seconds:
            discard_upload(folder, token)
            raise UploadGone(token)
        return data_path.read_bytes(), json.loads(meta_path.read_text())
    except (OSError, ValueError) as error:
        raise UploadGone(token) from error


def discard_upload(folder: Path, token: str) -> None:
    """Delete a kept upload (nothing happens if it is gone already)."""
    if TOKEN_PATTERN.fullmatch(token or ""):
        for suffix in (".csv", ".json"):
            (folder / f"{token}{suffix}").unlink(missing_ok=True)


def purge_uploads(folder: Path, max_age_seconds: float) -> int:
    """Delete kept uploads older than max age; return how many files went."""
    if not folder.is_dir():
        return 0
    removed, cutoff = 0, time.time() - max_age_seconds
    for path in folder.iterdir():
        try:
            if path.suffix in (".csv", ".json") and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another worker purged it first
            continue
    return removed
