"""The delivery note of a transfer order: one A4 PDF that travels with the goods.

The first page has the transfer number as text and as Code128 (the receiving store scans
it), sender and recipient with their addresses, the dates and the reason; then the
lines (SKU, EAN, article, quantity), as many pages as they need, and the signature boxes
for whoever packed and whoever received. Drawn straight onto the canvas with the label
helpers (``shipping/label_pdf.py``), in the language of the person printing it.
"""

from __future__ import annotations

import io

from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from portal.db import utcnow
from portal.locations.models import Location
from portal.returns.models import TransferLine, TransferOrder
from portal.returns.status import TRANSFER_LABELS
from portal.shipping.label_pdf import BOLD, REGULAR, draw_code128, draw_text, pdf_text

LEFT, RIGHT = 18 * mm, A4[0] - 18 * mm
TOP, BOTTOM = A4[1] - 16 * mm, 24 * mm
ROW = 7 * mm
SIGNATURES_H = 30 * mm
FIRST_TABLE_TOP = TOP - 104 * mm
NEXT_TABLE_TOP = TOP - 14 * mm
BARCODE_W, BARCODE_H, MODULE = 80 * mm, 15 * mm, 0.33 * mm
# Columns: left edge (from LEFT) and width, in mm.
POS, SKU, EAN, NAME, QTY = (0, 10), (10, 36), (46, 30), (76, 76), (152, 22)


def _when(value) -> str:
    return pdf_text(format_datetime(value, "short")) if value else "—"


def _address(location: Location) -> list[str]:
    town = " ".join(p for p in (location.postcode or "", location.city or "") if p)
    return [line for line in (f"{location.name} ({location.code})", location.street or "",
                              ", ".join(p for p in (town, location.country or "") if p)) if line]


def _rows_per_page(first: bool, last: bool) -> int:
    top = FIRST_TABLE_TOP if first else NEXT_TABLE_TOP
    bottom = BOTTOM + (SIGNATURES_H if last else 0)
    return int((top - ROW - bottom) // ROW)


def _pages(lines: list[TransferLine]) -> list[list[TransferLine]]:
    """Lines per page; the last page also has room for the signatures."""
    pages: list[list[TransferLine]] = []
    rest = list(lines)
    while True:
        first = not pages
        if len(rest) <= _rows_per_page(first, True):
            pages.append(rest)
            return pages
        take = _rows_per_page(first, False)
        pages.append(rest[:take])
        rest = rest[take:]


def _head(canvas: Canvas, transfer: TransferOrder) -> float:
    source, target = transfer.from_location, transfer.to_location
    draw_text(canvas, LEFT, TOP - 8 * mm, _("Delivery note"), 20, 90 * mm, BOLD)
    draw_text(canvas, LEFT, TOP - 15 * mm, _("Transfer %(number)s", number=transfer.number),
              12, 90 * mm, BOLD)
    centre = draw_code128(canvas, transfer.number, RIGHT - BARCODE_W, TOP - BARCODE_H - 2 * mm,
                          BARCODE_H, MODULE, BARCODE_W)
    draw_text(canvas, centre, TOP - BARCODE_H - 6.5 * mm, transfer.number, 10, BARCODE_W,
              centre=True)
    top, width = TOP - 32 * mm, (RIGHT - LEFT - 8 * mm) / 2
    for i, (caption, place) in enumerate(((_("From"), source), (_("To"), target))):
        x = LEFT + i * (width + 8 * mm)
        canvas.setLineWidth(0.8 if i else 0.4)
        canvas.rect(x, top - 34 * mm, width, 34 * mm, stroke=1, fill=0)
        draw_text(canvas, x + 3 * mm, top - 5 * mm, caption, 8, width - 6 * mm)
        y = top - 11 * mm
        for n, line in enumerate(_address(place)):
            draw_text(canvas, x + 3 * mm, y, line, 12 if n == 0 else 10, width - 6 * mm,
                      BOLD if n == 0 else REGULAR)
            y -= 6 * mm
    facts = ((_("Status"), str(TRANSFER_LABELS.get(transfer.status, transfer.status))),
             (_("Created"), f"{_when(transfer.created_at)} · {transfer.created_by or '—'}"),
             (_("Shipped"), _when(transfer.shipped_at)),
             (_("Received"), _when(transfer.received_at)),
             (_("Reason"), transfer.reason or "—"))
    y = top - 42 * mm
    for caption, value in facts:
        draw_text(canvas, LEFT, y, caption, 9, 30 * mm)
        draw_text(canvas, LEFT + 32 * mm, y, value, 9, RIGHT - LEFT - 32 * mm)
        y -= 5.5 * mm
    return FIRST_TABLE_TOP


def _cell(column: tuple[int, int]) -> tuple[float, float]:
    return LEFT + column[0] * mm + 1 * mm, column[1] * mm - 2 * mm


def _table(canvas: Canvas, lines: list[TransferLine], first_pos: int, top: float) -> float:
    base = top - ROW + 2.2 * mm
    for column, text, right in ((POS, "#", True), (SKU, _("SKU"), False),
                                (EAN, _("EAN"), False), (NAME, _("Article"), False),
                                (QTY, _("Qty"), True)):
        x, width = _cell(column)
        draw_text(canvas, x + width if right else x, base, text, 8.5, width, BOLD, right=right)
    canvas.setLineWidth(0.8)
    canvas.line(LEFT, top - ROW, RIGHT, top - ROW)
    y = top - ROW
    canvas.setLineWidth(0.25)
    for pos, line in enumerate(lines, first_pos):
        base = y - ROW + 2.2 * mm
        product = line.product
        for column, text, font, right in ((POS, str(pos), REGULAR, True),
                                          (SKU, product.sku, REGULAR, False),
                                          (EAN, product.ean or "", REGULAR, False),
                                          (NAME, product.name, REGULAR, False),
                                          (QTY, str(line.quantity), BOLD, True)):
            x, width = _cell(column)
            draw_text(canvas, x + width if right else x, base, text, 10, width, font,
                      right=right)
        y -= ROW
        canvas.line(LEFT, y, RIGHT, y)
    return y


def _signatures(canvas: Canvas, lines: list[TransferLine], y: float) -> None:
    units = sum(line.quantity for line in lines)
    total = (f'{ngettext("%(num)s line", "%(num)s lines", len(lines))} · '
             f'{ngettext("%(num)s unit", "%(num)s units", units)}')
    draw_text(canvas, RIGHT, y - 5 * mm, total, 10, 80 * mm, BOLD, right=True)
    width = (RIGHT - LEFT - 8 * mm) / 2
    for i, caption in enumerate((_("Packed and sent by (name, date, signature)"),
                                 _("Received complete by (name, date, signature)"))):
        x = LEFT + i * (width + 8 * mm)
        canvas.setLineWidth(0.4)
        canvas.line(x, y - 22 * mm, x + width, y - 22 * mm)
        draw_text(canvas, x, y - 26 * mm, caption, 8, width)


def _footer(canvas: Canvas, transfer: TransferOrder, printed: str, page: int,
            pages: int) -> None:
    canvas.setLineWidth(0.3)
    canvas.line(LEFT, BOTTOM - 6 * mm, RIGHT, BOTTOM - 6 * mm)
    draw_text(canvas, LEFT, BOTTOM - 10 * mm, f"{_('Delivery note')} {transfer.number} · "
              f"{_('Printed %(at)s', at=printed)}", 7.5, 120 * mm)
    draw_text(canvas, RIGHT, BOTTOM - 10 * mm,
              _("Page %(page)s of %(pages)s", page=page, pages=pages), 7.5, 40 * mm,
              right=True)


def render_delivery_note(transfer: TransferOrder, lines: list[TransferLine]) -> bytes:
    """The delivery note of ``transfer`` (its locations loaded) and ``lines`` (with their
    products) as PDF bytes."""
    pages = _pages(lines)
    printed = pdf_text(format_datetime(utcnow(), "short"))
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{_('Delivery note')} {transfer.number}")
    canvas.setCreator("Retail OMS")
    pos = 1
    for number, chunk in enumerate(pages, 1):
        if number == 1:
            top = _head(canvas, transfer)
        else:
            draw_text(canvas, LEFT, TOP - 6 * mm, f"{_('Delivery note')} {transfer.number}",
                      11, RIGHT - LEFT, BOLD)
            top = NEXT_TABLE_TOP
        y = _table(canvas, chunk, pos, top)
        pos += len(chunk)
        if number == len(pages):
            _signatures(canvas, lines, y)
        _footer(canvas, transfer, printed, number, len(pages))
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
