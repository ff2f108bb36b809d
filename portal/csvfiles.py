"""CSV in and out, as German offices use it.

Exports are UTF-8 with a byte-order mark and ``;`` separators so Excel opens them
correctly, and every cell that a spreadsheet would run as a formula is defused.
Imports accept UTF-8 (with or without BOM) and Windows-1252, separated by ``,`` or ``;``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from flask import Response, stream_with_context

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_DELIMITER = ";"


def safe_cell(value) -> str:
    """Text for a CSV cell that no spreadsheet will evaluate (OWASP CSV injection).

    Negative numbers stay numbers; any other text starting with a formula character
    gets a leading apostrophe.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
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


class CsvDecodeError(ValueError):
    """The file is neither UTF-8 nor Windows-1252 text."""


def decode_upload(data: bytes) -> str:
    """Bytes of an uploaded CSV as text: UTF-8 (BOM allowed), else Windows-1252."""
    if b"\x00" in data[:4096]:
        raise CsvDecodeError("The file is not a text file (is it an Excel .xlsx?).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise CsvDecodeError("The file is neither UTF-8 nor Windows-1252 text.") from error


def read_rows(text: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Sniff ``,`` or ``;`` from the header line; return the lower-cased header and the
    non-empty rows as (line number, stripped values). The header is line 1, as a
    spreadsheet shows it; callers check that a row has as many values as the header.
    """
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader, [])]

    def rows():
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            yield reader.line_num, [v.strip() for v in values]

    return header, rows()
