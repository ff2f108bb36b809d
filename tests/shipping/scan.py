"""zbarimg's full answer for a label page: symbol type, data and the GS1 flag zbar sets
when a Code128 symbol starts with FNC1 (``modifiers='GS1'`` in its XML output)."""

from __future__ import annotations

import base64
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.barcodes import render_page, tool, zbarimg

NS = {"z": "http://zbar.sourceforge.net/2008/barcode"}


def scan_symbols(pdf: bytes, workdir: Path, page: int = 1, dpi: int = 200) -> list[dict]:
    """Every symbol on ``page``: {"type", "data", "gs1"} (data as text, GS as \\x1d)."""
    out = zbarimg(render_page(pdf, workdir, page, dpi), "--xml")
    symbols = []
    # zbarimg's own output about our own test image, not untrusted input
    for symbol in ET.fromstring(out).iterfind(".//z:symbol", NS):  # noqa: S314
        data = symbol.find("z:data", NS)
        text = data.text or ""
        if data.get("format") == "base64":
            text = base64.b64decode(text).decode("latin-1")
        symbols.append({"type": symbol.get("type"), "data": text.strip("\n"),
                        "gs1": "GS1" in (symbol.get("modifiers") or "")})
    return symbols


def pdf_text(pdf: bytes, workdir: Path, page: int | None = None) -> str:
    """The text of the PDF (or one page) as poppler's pdftotext reads it."""
    source = workdir / "text.pdf"
    source.write_bytes(pdf)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run([tool("pdftotext"), "-layout", *pages, str(source), "-"],  # noqa: S603
                          capture_output=True, text=True, check=True).stdout


def pdf_info(pdf: bytes, workdir: Path) -> dict[str, str]:
    """pdfinfo's fields (Pages, Page size, ...)."""
    source = workdir / "info.pdf"
    source.write_bytes(pdf)
    out = subprocess.run([tool("pdfinfo"), str(source)],  # noqa: S603
                         capture_output=True, text=True, check=True).stdout
    return {key.strip(): value.strip() for key, _, value in
            (line.partition(":") for line in out.splitlines())}
