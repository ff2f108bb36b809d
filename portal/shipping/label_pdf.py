"""Parcel labels drawn with reportlab, straight onto the canvas.

Speed matters (hundreds of labels per print run): Code128 is encoded by reportlab and
drawn as one filled path of bars (not a Drawing or a Flowable per bar); QR codes are
encoded by ``qr.py`` (reportlab's tables, a faster mask choice) and placed as one inline
image mask; an A4 page is the same 4x6 drawing scaled onto a quarter page.

Fonts: DejaVu Sans (Debian's fonts-dejavu-core, or ``LABEL_FONT_DIR``), embedded as a
subset, so names like Ayşe Öztürk or ul. Łódzka print as written. Without it the labels
fall back to the standard Helvetica (never embedded), which shows Windows-1252 only:
other accents are dropped (``pdf_text``).

Sizes follow 203 dpi thermal printers: a bar module is a whole number of dots (3 dots =
0.375 mm for the tracking number, 4 dots = 0.5 mm for the SSCC, inside GS1's 0.495-1.016
mm for logistic labels), with quiet zones of ten modules.
"""

from __future__ import annotations

import io
import os
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import inch, mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from portal.shipping import gs1
from portal.shipping.label_data import TEXT, LabelData
from portal.shipping.qr import qr_rows

WIDTH, HEIGHT = 4 * inch, 6 * inch
DOT = inch / 203                      # one dot of a 203 dpi thermal printer
MARGIN = 3 * mm
TRACKING_MODULE, SSCC_MODULE = 3 * DOT, 4 * DOT
QUIET = 10                            # quiet zone, in modules
QR_SIZE = 26 * mm
QR_BORDER = 2                         # modules; the label's white space adds the rest
A4_SCALE = 0.96                       # a 4x6 label on a quarter of A4 (105 x 148.5 mm)
FONT_DIR = Path(os.environ.get("LABEL_FONT_DIR", "/usr/share/fonts/truetype/dejavu"))


def _fonts() -> tuple[str, str, bool]:
    """(regular, bold, whether they show all of Unicode's European letters)."""
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if not (regular.is_file() and bold.is_file()):
        return "Helvetica", "Helvetica-Bold", False
    pdfmetrics.registerFont(TTFont("LabelSans", str(regular)))
    pdfmetrics.registerFont(TTFont("LabelSans-Bold", str(bold)))
    return "LabelSans", "LabelSans-Bold", True


REGULAR, BOLD, UNICODE_FONTS = _fonts()
# The characters the label font has (with the standard fonts: unused).
_GLYPHS = frozenset(pdfmetrics.getFont(REGULAR).face.charToGlyph) if UNICODE_FONTS \
    else frozenset()

# y of each band's top edge, from the bottom of the label (reportlab's origin).
HEADER_TOP = HEIGHT - MARGIN
SENDER_TOP = HEADER_TOP - 13 * mm
RECIPIENT_TOP = SENDER_TOP - 24 * mm
TRACKING_TOP = RECIPIENT_TOP - 40 * mm
SSCC_TOP = TRACKING_TOP - 37 * mm


def pdf_text(text: str) -> str:
    """``text`` as the label font can show it: unchanged with DejaVu; with the standard
    fonts (Windows-1252) accents outside it lose their accent (č → c), anything else
    becomes "?"."""
    if UNICODE_FONTS:
        return "".join(char if ord(char) in _GLYPHS else _plain(char) for char in text)
    return cp1252_text(text)


def _plain(char: str) -> str:
    """A letter without its accent when the font lacks it (or "?" for anything else)."""
    base = unicodedata.normalize("NFKD", char)[0]
    if base.isascii() and base.isprintable():
        return base
    return {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i"}.get(char, "?")


def cp1252_text(text: str) -> str:
    """``text`` in what the standard PDF fonts can show (Windows-1252)."""
    try:
        text.encode("cp1252")
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for char in text:
        try:
            char.encode("cp1252")
            out.append(char)
        except UnicodeEncodeError:
            out.append(_plain(char))
    return "".join(out)


def draw_text(canvas: Canvas, x: float, y: float, text: str, size: float, width: float,
              font: str = REGULAR, right: bool = False, centre: bool = False) -> None:
    """``text`` at (x, y) (its right end or centre there, if asked), shrunk (down to
    70 %) and then cut with "…" to fit ``width``."""
    text = pdf_text(text)
    needed = stringWidth(text, font, size)
    if needed > width:
        size = max(size * 0.7, size * width / needed)
        if stringWidth(text, font, size) > width:
            while text and stringWidth(text + "…", font, size) > width:
                text = text[:-1]
            text += "…"
    canvas.setFont(font, size)
    if right:
        canvas.drawRightString(x, y, text)
    elif centre:
        canvas.drawCentredString(x, y, text)
    else:
        canvas.drawString(x, y, text)


def code128_bars(data: str) -> tuple[list[tuple[int, int]], int]:
    """The bars of ``data`` as Code128 (reportlab's encoder, which optimises code sets
    and handles FNC1 as ``\\xf1``): (first module, width in modules) per bar, and the
    symbol's width in modules without quiet zones."""
    symbol = code128.Code128(data)
    symbol.validate()
    symbol.encode()
    symbol.decompose()
    bars, x = [], 0
    for element in symbol.decomposed:
        width = ord(element) - (64 if element.isupper() else 96)
        if element.isupper():
            bars.append((x, width))
        x += width
    return bars, x


def draw_code128(canvas: Canvas, data: str, x: float, y: float, height: float,
                 module: float, width: float) -> float:
    """Draw ``data`` as Code128 with its left quiet zone starting at ``x``, shrinking the
    module if the symbol would not fit ``width``; return the x of the bars' centre."""
    bars, modules = code128_bars(data)
    module = min(module, width / (modules + 2 * QUIET))
    left = x + QUIET * module
    path = canvas.beginPath()
    for start, bar in bars:
        path.rect(left + start * module, y, bar * module, height)
    canvas.drawPath(path, stroke=0, fill=1)
    return left + modules * module / 2


def draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float,
            mask: int | None = None) -> None:
    """``text`` as a QR code filling the square ``size`` at (x, y).

    The modules go into the page as one inline 1-bit image mask (``BI ... ID ... EI``,
    sample 1 = paint, no interpolation), not as a rectangle per run: one operator
    instead of a few hundred, each of which reportlab would format number by number.
    """
    rows = qr_rows(text, mask)
    count = len(rows)
    box = size / (count + 2 * QR_BORDER)
    pad = (-count) % 8
    data = "".join(f"{int(row, 2) << pad:0{(count + pad) // 4}x}" for row in rows)
    side = count * box
    canvas.addLiteral(
        f"q {side:.3f} 0 0 {side:.3f} {x + QR_BORDER * box:.3f} {y + QR_BORDER * box:.3f} cm"
        f" BI /W {count} /H {count} /BPC 1 /IM true /D [1 0] /F /AHx ID\n{data}>\nEI Q")


def _header(canvas: Canvas, label: LabelData) -> None:
    band, box_w = 12 * mm, 24 * mm
    y = HEADER_TOP - band
    if label.is_return:
        canvas.rect(MARGIN, y, WIDTH - 2 * MARGIN, band, stroke=0, fill=1)
        canvas.setFillGray(1)
        draw_text(canvas, MARGIN + 2 * mm, y + 4.6 * mm, TEXT["return"], 17,
                  WIDTH - 2 * MARGIN - box_w - 4 * mm, BOLD)
        draw_text(canvas, MARGIN + 2 * mm, y + 1.2 * mm,
                  f"{label.carrier_name} · {label.service_name or label.service}", 7,
                  WIDTH - 2 * MARGIN - box_w - 4 * mm)
        draw_text(canvas, WIDTH - MARGIN - 2 * mm, y + 3.5 * mm, label.service, 22, box_w,
                  BOLD, right=True)
        canvas.setFillGray(0)
        return
    draw_text(canvas, MARGIN, y + 6 * mm, label.carrier_name.upper(), 14,
              WIDTH - 2 * MARGIN - box_w - 2 * mm, BOLD)
    draw_text(canvas, MARGIN, y + 1.5 * mm, label.service_name or label.service, 8,
              WIDTH - 2 * MARGIN - box_w - 2 * mm)
    canvas.rect(WIDTH - MARGIN - box_w, y, box_w, band, stroke=0, fill=1)
    canvas.setFillGray(1)
    canvas.setFont(BOLD, 22)
    canvas.drawCentredString(WIDTH - MARGIN - box_w / 2, y + 3.5 * mm,
                             pdf_text(label.service)[:4])
    canvas.setFillGray(0)


def _sender_and_parcel(canvas: Canvas, label: LabelData) -> None:
    top, column = SENDER_TOP - 3 * mm, 60 * mm
    canvas.setFont(REGULAR, 6)
    canvas.drawString(MARGIN, top, pdf_text(TEXT["sender"]))
    y = top - 3.4 * mm
    for line in label.sender_lines()[:5]:
        draw_text(canvas, MARGIN, y, line, 7.5, column - 2 * mm)
        y -= 3.2 * mm
    left, y = MARGIN + column, top
    width = WIDTH - MARGIN - left
    for row in label.fact_rows():
        cell = width / len(row)
        for i, (caption, value) in enumerate(row):
            x = left + i * cell
            canvas.setFont(REGULAR, 6)
            canvas.drawString(x, y, pdf_text(caption))
            draw_text(canvas, x, y - 3.3 * mm, value, 9, cell - 1 * mm, BOLD)
        y -= 6.8 * mm


# Recipient lines: font, size (pt), distance from the line above (mm).
STYLES = {"note": (REGULAR, 7, 3.6), "name": (BOLD, 13, 6.0), "line": (REGULAR, 11, 5.0),
          "strong": (BOLD, 11, 5.4), "city": (BOLD, 17, 7.4)}


def _recipient(canvas: Canvas, label: LabelData) -> None:
    bottom = TRACKING_TOP + 1.5 * mm
    canvas.setLineWidth(1.6)
    canvas.rect(MARGIN, bottom, WIDTH - 2 * MARGIN, RECIPIENT_TOP - bottom, stroke=1, fill=0)
    x, width = MARGIN + 3 * mm, WIDTH - 2 * MARGIN - 6 * mm
    canvas.setFont(REGULAR, 6)
    canvas.drawString(x, RECIPIENT_TOP - 3 * mm, pdf_text(TEXT["recipient"]))
    y = RECIPIENT_TOP - 3 * mm
    for style, text in label.recipient_lines():
        font, size, step = STYLES[style]
        y -= step * mm
        if y < bottom + 2 * mm:
            break
        draw_text(canvas, x, y, text, size, width, font)


def _tracking(canvas: Canvas, label: LabelData, qr: bool) -> None:
    canvas.setFont(REGULAR, 6)
    canvas.drawString(MARGIN, TRACKING_TOP - 3 * mm, pdf_text(TEXT["tracking"]))
    qr_x = WIDTH - MARGIN - QR_SIZE
    centre = draw_code128(canvas, label.tracking_number, MARGIN, TRACKING_TOP - 27 * mm,
                          21 * mm, TRACKING_MODULE, qr_x - MARGIN - 1 * mm)
    draw_text(canvas, centre, TRACKING_TOP - 32 * mm, label.tracking_number, 11,
              qr_x - MARGIN - 1 * mm, BOLD, centre=True)
    if qr:
        draw_qr(canvas, label.tracking_url, qr_x, TRACKING_TOP - 30 * mm, QR_SIZE)
        canvas.setFont(REGULAR, 5.5)
        canvas.drawCentredString(qr_x + QR_SIZE / 2, TRACKING_TOP - 34 * mm,
                                 pdf_text(TEXT["track"]))


def _sscc(canvas: Canvas, label: LabelData, barcode: bool) -> None:
    canvas.setLineWidth(0.8)
    canvas.line(MARGIN, SSCC_TOP, WIDTH - MARGIN, SSCC_TOP)
    if label.sscc is None:
        return
    canvas.setFont(REGULAR, 6)
    canvas.drawString(MARGIN, SSCC_TOP - 3 * mm, pdf_text(TEXT["sscc"]))
    data = gs1.sscc_barcode_data(label.sscc)
    if barcode:
        centre = draw_code128(canvas, data, MARGIN, SSCC_TOP - 28 * mm, 23 * mm, SSCC_MODULE,
                              WIDTH - 2 * MARGIN)
    else:  # the benchmark's baseline: the text where the barcode's centre would be
        centre = MARGIN + (QUIET + code128_bars(data)[1] / 2) * SSCC_MODULE
    canvas.setFont(BOLD, 11)
    canvas.drawCentredString(centre, SSCC_TOP - 32.5 * mm, gs1.sscc_text(label.sscc))


def draw_label(canvas: Canvas, label: LabelData, qr: bool = True, sscc: bool = True) -> None:
    """One label with its lower left corner at the canvas origin (4x6 inch)."""
    _header(canvas, label)
    _sender_and_parcel(canvas, label)
    _recipient(canvas, label)
    _tracking(canvas, label, qr)
    _sscc(canvas, label, sscc)


def _cut_marks(canvas: Canvas) -> None:
    """Short marks where the A4 page is cut into quarters: at the edges and a cross in
    the middle, all outside the labels."""
    w, h, tick = A4[0], A4[1], 5 * mm
    canvas.setLineWidth(0.3)
    for x0, y0, x1, y1 in ((w / 2, 0, w / 2, tick), (w / 2, h - tick, w / 2, h),
                           (0, h / 2, tick, h / 2), (w - tick, h / 2, w, h / 2),
                           (w / 2, h / 2 - tick, w / 2, h / 2 + tick),
                           (w / 2 - tick, h / 2, w / 2 + tick, h / 2)):
        canvas.line(x0, y0, x1, y1)


def _a4_origin(slot: int) -> tuple[float, float]:
    """Where the label in ``slot`` (0 top left, 1 top right, 2, 3 below) starts."""
    cell_w, cell_h = A4[0] / 2, A4[1] / 2
    column, row = slot % 2, 1 - slot // 2
    return (column * cell_w + (cell_w - WIDTH * A4_SCALE) / 2,
            row * cell_h + (cell_h - HEIGHT * A4_SCALE) / 2)


def render_pages(labels: Iterable[LabelData], a4: bool, qr: bool = True,
                 sscc: bool = True) -> bytes:
    """The PDF of ``labels``: a 4x6 page each, or four per A4 page."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4 if a4 else (WIDTH, HEIGHT), pageCompression=1)
    canvas.setTitle("Labels")
    canvas.setCreator("Retail OMS")
    slot = 0
    for label in labels:
        if a4:
            if slot == 4:
                canvas.showPage()
                slot = 0
            if slot == 0:
                _cut_marks(canvas)
            canvas.saveState()
            canvas.translate(*_a4_origin(slot))
            canvas.scale(A4_SCALE, A4_SCALE)
            draw_label(canvas, label, qr, sscc)
            canvas.restoreState()
            slot += 1
        else:
            draw_label(canvas, label, qr, sscc)
            canvas.showPage()
    if a4:
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
