"""Read barcodes the way a scanner would: render a PDF page to PNG with pdftoppm and
decode it with zbarimg (Debian's poppler-utils and zbar-tools, see `make browser-deps`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def tool(name: str) -> str:
    """The path of a Debian command-line tool the tests need."""
    path = shutil.which(name)
    assert path, f"{name} is missing: run `make browser-deps`"
    return path


def render_page(pdf: bytes, workdir: Path, page: int = 1, dpi: int = 200) -> Path:
    """``page`` of ``pdf`` as a PNG file (what a scanner's camera would see)."""
    source = workdir / "scan.pdf"
    source.write_bytes(pdf)
    subprocess.run([tool("pdftoppm"), "-r", str(dpi), "-png", "-singlefile",  # noqa: S603
                    "-f", str(page), "-l", str(page), str(source), str(workdir / "scan")],
                   check=True)
    return workdir / "scan.png"


def zbarimg(image: Path, *options: str) -> str:
    """zbarimg's output for ``image`` (empty when it finds nothing)."""
    return subprocess.run([tool("zbarimg"), "--quiet", *options, str(image)],  # noqa: S603
                          capture_output=True, text=True, check=False).stdout


def decode_pdf(pdf: bytes, workdir: Path, page: int = 1, dpi: int = 200) -> list[str]:
    """Every barcode zbarimg finds on ``page`` of ``pdf``, as "TYPE:value" strings."""
    return zbarimg(render_page(pdf, workdir, page, dpi)).splitlines()
