"""The labels' QR encoder: the same matrices as reportlab's for every mask, the mask
penalty of ISO/IEC 18004, and every mask scans."""

from __future__ import annotations

import io
import re

import pytest
from reportlab.graphics.barcode.qrencoder import QR8bitByte, QRCode, QRErrorCorrectLevel
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from portal.shipping import qr
from portal.shipping.label_pdf import draw_qr
from tests.barcodes import decode_pdf

TEXTS = ["a", "https://track.example.com/HC473124829DE", "https://ü.example/ä?x=~_^",
         "x" * 100, "y" * 160, "z" * 300]  # versions 1 to 13, with version information


def reportlab_matrix(text: str, mask: int) -> list[str]:
    code = QRCode(None, QRErrorCorrectLevel.M)
    code.addData(QR8bitByte(text))
    code.version = code.calculate_version()
    code.makeImpl(False, mask)
    return ["".join("1" if dark else "0" for dark in row) for row in code.modules]


def reference_penalty(rows: list[str]) -> int:
    """The four rules read straight from the standard, on strings."""
    lines = rows + ["".join(column) for column in zip(*rows, strict=True)]
    score = sum(len(run) - 2 for line in lines for run in re.findall(r"0{5,}|1{5,}", line))
    score += 40 * sum(line.count("10111010000") + line.count("00001011101") for line in lines)
    for upper, lower in zip(rows, rows[1:], strict=False):
        score += 3 * sum(1 for c in range(len(upper) - 1)
                         if upper[c] == upper[c + 1] == lower[c] == lower[c + 1])
    dark = sum(row.count("1") for row in rows)
    return score + 10 * (abs(dark * 100 // len(rows) ** 2 - 50) // 5)


@pytest.mark.parametrize("text", TEXTS, ids=lambda t: f"{len(t.encode())}-bytes")
def test_every_mask_gives_reportlabs_matrix(text):
    for mask in range(8):
        assert qr.qr_rows(text, mask) == reportlab_matrix(text, mask), mask


@pytest.mark.parametrize("text", TEXTS, ids=lambda t: f"{len(t.encode())}-bytes")
def test_the_chosen_mask_has_the_lowest_penalty_of_the_standard(text):
    penalties = [reference_penalty(reportlab_matrix(text, mask)) for mask in range(8)]

    chosen = qr.qr_rows(text)

    assert reference_penalty(chosen) == min(penalties)
    assert chosen in [reportlab_matrix(text, mask) for mask in range(8)]


def test_every_mask_pattern_scans(tmp_path):
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(200 * mm, 110 * mm))
    for mask in range(8):
        x, y = 5 * mm + (mask % 4) * 48 * mm, 58 * mm - (mask // 4) * 52 * mm
        draw_qr(canvas, f"https://track.example.com/HC00000{mask}DE", x, y, 44 * mm, mask)
    canvas.save()

    decoded = decode_pdf(buffer.getvalue(), tmp_path)

    assert sorted(decoded) == [f"QR-Code:https://track.example.com/HC00000{m}DE"
                               for m in range(8)]
