"""Read barcodes the way a scanner would: render a PDF page to PNG with pdftoppm and
decode it with zbarimg (Debian's poppler-utils and zbar-tools, see `make browser-deps`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: run `make browser-deps`"
    return path


def decode_pdf(pdf: bytes, workdir: Path, page: int = 1, dpi: int = 200) -> list[str]:
    """Every barcode zbarimg finds on ``page`` of ``pdf``, as "TYPE:value" strings."""
    source = workdir / "scan.pdf"
    source.write_bytes(pdf)
    subprocess.run([_tool("pdftoppm"), "-r", str(dpi), "-png", "-singlefile",  # noqa: S603
                    "-f", str(page), "-l", str(page), str(source), str(workdir / "scan")],
                   check=True)
    decoded = subprocess.run([_tool("zbarimg"), "--quiet", str(workdir / "scan.png")],  # noqa: S603
                             capture_output=True, text=True, check=False)
    return decoded.stdout.splitlines()
