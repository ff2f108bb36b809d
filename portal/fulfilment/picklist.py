"""Pick lists: one A4 PDF for the pickers of one location.

One row per product summed over the chosen fulfilments, in walking order: bins sorted
the way people read them ("A-2" before "A-10"), then the products without a bin under
a "No bin" heading per category. Units promised from an incoming delivery are marked
(not on the shelf yet). The last pages show every fulfilment number as Code128 for the
packer's scanner. Drawn straight onto the canvas with the label helpers; the pages are
laid out first, so every footer knows the page count. A transfer's pick list (``job``
"transfer") names its transfers where a fulfilment's names fulfilments.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from flask_babel import format_date, format_datetime, ngettext
from flask_babel import gettext as _
from peewee import JOIN
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from portal.db import utcnow
from portal.fulfilment.models import FulfillmentOrder
from portal.fulfilment.queries import lines_of
from portal.inventory.models import Product, StockLevel
from portal.locations.models import Location
from portal.shipping.label_pdf import BOLD, REGULAR, draw_code128, draw_text, pdf_text

ITALIC = "Helvetica-Oblique"
LEFT, RIGHT = 14 * mm, A4[0] - 14 * mm
TOP, BOTTOM = A4[1] - 14 * mm, 21 * mm       # BOTTOM: the lowest row ends above the footer
SIZE, SMALL = 8.5, 7                           # points
LINE, PAD = 3.4 * mm, 1.5 * mm                 # a text line of a row; space above and below
HEADING_H, COLUMNS_H = 7 * mm, 6 * mm
FIRST_HEADER_H, HEADER_H = 24 * mm, 8 * mm
FOR_LINES = 6                                  # lines of fulfilment numbers per row at most
# Columns: left edge (from LEFT) and width, in mm.
TICK, BIN, SKU, EAN, NAME, QTY, FOR = ((0, 6), (6, 18), (24, 24), (48, 21), (69, 43),
                                       (112, 11), (123, 59))
SCAN_W, SCAN_H = (RIGHT - LEFT) / 2, 24 * mm   # one fulfilment in the scan section
SCAN_MODULE = 0.33 * mm                        # 13 mil: any handheld scanner reads it
SCAN_TITLE_H = 10 * mm
_BIN_PARTS = re.compile(r"\d+|[^\W\d_]+")

Job = Literal["fulfilment", "transfer"]


def _jobs(job: Job, count: int) -> str:
    """"1 fulfilment", "3 transfers": the count of the list's jobs with their noun."""
    if job == "transfer":
        return ngettext("%(num)s transfer", "%(num)s transfers", count)
    return ngettext("%(num)s fulfilment", "%(num)s fulfilments", count)


def _for_jobs(job: Job, count: int) -> str:
    """The heading of the column naming the jobs that need a row's units."""
    if job == "transfer":
        return ngettext("For transfer", "For transfers", count)
    return ngettext("For fulfilment", "For fulfilments", count)


def _more_jobs(job: Job, count: int) -> str:
    if job == "transfer":
        return ngettext("%(num)s more transfer is not on this list.",
                        "%(num)s more transfers are not on this list.", count)
    return ngettext("%(num)s more fulfilment is not on this list.",
                    "%(num)s more fulfilments are not on this list.", count)


@dataclass
class PickRow:
    """One product to pick: its place and the units each fulfilment needs."""

    sku: str
    name: str
    bin: str = ""
    ean: str = ""
    category: str = ""
    quantity: int = 0
    promised: int = 0                                   # of those, not on the shelf yet
    due: set[date] = field(default_factory=set)         # when the promised units come
    needs: dict[str, int] = field(default_factory=dict)  # fulfilment number → units


@dataclass
class _Item:
    """A heading or a row of the table, laid out."""

    height: float
    heading: str = ""
    row: PickRow | None = None
    wanted: list[str] = field(default_factory=list)  # the lines of the "for" cell
    note: str = ""


def bin_key(text: str) -> tuple:
    """Sort key of a bin in walking order: its numbers compared as numbers, its letters
    without case ("a-2" < "A-10" < "B-1")."""
    return tuple((0, int(part), "") if part[0].isdecimal() else (1, 0, part.casefold())
                 for part in _BIN_PARTS.findall(text)), text


def pick_rows(location: Location, fulfillments: Sequence[FulfillmentOrder],
              lines: dict[int, list[dict]]) -> list[PickRow]:
    """The products of ``lines`` summed per product, with their bins at ``location``
    (one query for products and bins)."""
    rows: dict[str, PickRow] = {}
    for fulfillment in fulfillments:
        for line in lines.get(fulfillment.id, []):
            row = rows.setdefault(line["sku"], PickRow(line["sku"], line["name"]))
            row.quantity += line["quantity"]
            row.needs[fulfillment.number] = row.needs.get(fulfillment.number, 0) + line[
                "quantity"]
            if line["promised_until"] is not None:
                row.promised += line["quantity"]
                row.due.add(line["promised_until"])
    if rows:
        here = (StockLevel.product == Product.id) & (StockLevel.location == location.id)
        for sku, ean, category, place in (
                Product.select(Product.sku, Product.ean, Product.category, StockLevel.bin)
                .join(StockLevel, JOIN.LEFT_OUTER, on=here)
                .where(Product.sku.in_(list(rows))).tuples()):
            row = rows[sku]
            row.ean, row.category, row.bin = ean or "", category or "", (place or "").strip()
    return list(rows.values())


def sections(rows: list[PickRow]) -> list[tuple[str | None, list[PickRow]]]:
    """(heading, rows) in walking order: binned rows by bin (heading None), then per
    category (no category last) the rows without a bin, by name."""
    binned = sorted((row for row in rows if row.bin), key=lambda r: (bin_key(r.bin), r.sku))
    loose: dict[str, list[PickRow]] = {}
    for row in rows:
        if not row.bin:
            loose.setdefault(row.category, []).append(row)
    result: list[tuple[str | None, list[PickRow]]] = [(None, binned)] if binned else []
    for category in sorted(loose, key=lambda c: (not c, c.casefold())):
        heading = _("No bin · %(category)s", category=category) if category else _(
            "No bin · no category")
        result.append((heading, sorted(loose[category], key=lambda r: (r.name.casefold(),
                                                                         r.sku))))
    return result


def _wrap(tokens: list[str], width: float) -> list[str]:
    """``tokens`` joined by ", " into lines of ``width`` (at most FOR_LINES; the last
    then says how many more there are)."""
    lines: list[list[str]] = [[]]
    for token in tokens:
        candidate = ", ".join([*lines[-1], token]) + ","
        if lines[-1] and stringWidth(candidate, REGULAR, SMALL) > width:
            lines.append([])
        lines[-1].append(token)
    if len(lines) > FOR_LINES:
        shown = sum(len(line) for line in lines[:FOR_LINES - 1])
        lines = [*lines[:FOR_LINES - 1], [_("and %(count)s more", count=len(tokens) - shown)]]
    return [", ".join(line) + ("," if i < len(lines) - 1 else "")
            for i, line in enumerate(lines)]


def _dates(days: set[date]) -> str:
    shown = ", ".join(format_date(day, "short") for day in sorted(days)[:2])
    return shown + (" …" if len(days) > 2 else "")


def _items(rows: list[PickRow]) -> list[_Item]:
    items = []
    for heading, group in sections(rows):
        if heading:
            items.append(_Item(HEADING_H, heading=heading))
        for row in group:
            several = len(row.needs) > 1
            tokens = [f"{number} ×{units}" if several else number
                      for number, units in sorted(row.needs.items())]
            wanted = _wrap(tokens, FOR[1] * mm - 1 * mm)
            note = _("Not on the shelf yet: %(count)s, incoming %(dates)s",
                     count=row.promised, dates=_dates(row.due)) if row.promised else ""
            height = max(2 if note else 1, len(wanted)) * LINE + 2 * PAD
            items.append(_Item(height, row=row, wanted=wanted, note=note))
    return items


def _paginate(items: list[_Item]) -> list[list[_Item]]:
    """Items per page; a heading never ends a page."""
    pages: list[list[_Item]] = [[]]
    room = TOP - FIRST_HEADER_H - COLUMNS_H - BOTTOM
    for i, item in enumerate(items):
        needed = item.height
        if item.heading and i + 1 < len(items):
            needed += items[i + 1].height
        if needed > room and pages[-1]:
            pages.append([])
            room = TOP - HEADER_H - COLUMNS_H - BOTTOM
        pages[-1].append(item)
        room -= item.height
    return pages


@dataclass
class _Sheet:
    """What every page repeats."""

    location: Location
    printed: str
    pages: int
    for_jobs: str  # the heading of the last column


def _running_header(canvas: Canvas, sheet: _Sheet, title: str) -> float:
    draw_text(canvas, LEFT, TOP - 3 * mm, f"{title} · {sheet.location.name} "
              f"({sheet.location.code})", 9, RIGHT - LEFT - 50 * mm, BOLD)
    draw_text(canvas, RIGHT, TOP - 3 * mm, _("Printed %(at)s", at=sheet.printed), 8,
              48 * mm, right=True)
    return TOP - HEADER_H


def _first_header(canvas: Canvas, sheet: _Sheet, facts: list[str]) -> float:
    draw_text(canvas, LEFT, TOP - 6 * mm, _("Pick list"), 18, 80 * mm, BOLD)
    draw_text(canvas, RIGHT, TOP - 6 * mm, sheet.location.name, 13, RIGHT - LEFT - 85 * mm,
              BOLD, right=True)
    draw_text(canvas, RIGHT, TOP - 11 * mm, sheet.location.code, 10, 40 * mm, right=True)
    draw_text(canvas, RIGHT, TOP - 15.5 * mm, _("Printed %(at)s", at=sheet.printed), 8,
              60 * mm, right=True)
    y = TOP - 13 * mm
    for text in facts:
        y -= 4.2 * mm
        draw_text(canvas, LEFT, y, text, 9, RIGHT - LEFT - 45 * mm)
    return TOP - FIRST_HEADER_H


def _column_header(canvas: Canvas, sheet: _Sheet, y: float) -> float:
    base = y - COLUMNS_H + 2 * mm
    for (x, width), text, right in ((BIN, _("Bin"), False), (SKU, _("SKU"), False),
                                    (EAN, _("EAN"), False), (NAME, _("Article"), False),
                                    (QTY, _("Qty"), True), (FOR, sheet.for_jobs, False)):
        left = LEFT + x * mm
        draw_text(canvas, left + width * mm - 1 * mm if right else left + 1 * mm, base, text,
                  7.5, width * mm - 2 * mm, BOLD, right=right)
    canvas.setLineWidth(0.8)
    canvas.line(LEFT, y - COLUMNS_H, RIGHT, y - COLUMNS_H)
    return y - COLUMNS_H


def _footer(canvas: Canvas, sheet: _Sheet, page: int) -> None:
    canvas.setLineWidth(0.3)
    canvas.line(LEFT, BOTTOM - 4 * mm, RIGHT, BOTTOM - 4 * mm)
    draw_text(canvas, LEFT, BOTTOM - 8 * mm, f"{_('Pick list')} {sheet.location.code} · "
              f"{_('Printed %(at)s', at=sheet.printed)}", 7, 120 * mm)
    draw_text(canvas, RIGHT, BOTTOM - 8 * mm,
              _("Page %(page)s of %(pages)s", page=page, pages=sheet.pages), 7, 50 * mm,
              right=True)


def _cell(x: tuple[int, int]) -> tuple[float, float]:
    return LEFT + x[0] * mm + 1 * mm, x[1] * mm - 2 * mm


def _cut(text: str, size: float, width: float, font: str = REGULAR) -> str:
    """``text`` cut with "…" to fit ``width`` at its full size (names stay readable)."""
    text = pdf_text(text)
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _draw_item(canvas: Canvas, item: _Item, y: float) -> float:
    if item.heading:
        canvas.setFillGray(0.88)
        canvas.rect(LEFT, y - HEADING_H + 1 * mm, RIGHT - LEFT, HEADING_H - 1.5 * mm,
                    stroke=0, fill=1)
        canvas.setFillGray(0)
        draw_text(canvas, LEFT + 2 * mm, y - HEADING_H + 3 * mm, item.heading, 9,
                  RIGHT - LEFT - 4 * mm, BOLD)
        return y - HEADING_H
    row, base = item.row, y - PAD - 2.6 * mm
    canvas.setLineWidth(0.7)
    canvas.rect(LEFT + 1 * mm, base - 0.8 * mm, 3.6 * mm, 3.6 * mm, stroke=1, fill=0)
    # Codes shrink to fit (a cut code is useless), the name is cut.
    for column, text, font, size in ((BIN, row.bin, BOLD, SIZE + 1), (SKU, row.sku, REGULAR,
                                     SIZE), (EAN, row.ean, REGULAR, SMALL)):
        x, width = _cell(column)
        draw_text(canvas, x, base, text, size, width, font)
    x, width = _cell(NAME)
    draw_text(canvas, x, base, _cut(row.name, SIZE, width), SIZE, width)
    if item.note:
        draw_text(canvas, x, base - LINE, item.note, SMALL - 0.5, width + QTY[1] * mm, ITALIC)
    x, width = _cell(QTY)
    draw_text(canvas, x + width, base - 0.3 * mm, str(row.quantity), 11, width, BOLD,
              right=True)
    x, width = _cell(FOR)
    for i, text in enumerate(item.wanted):
        draw_text(canvas, x, base - i * LINE, text, SMALL, width)
    bottom = y - item.height
    canvas.setLineWidth(0.25)
    canvas.setStrokeGray(0.6)
    canvas.line(LEFT, bottom, RIGHT, bottom)
    canvas.setStrokeGray(0)
    return bottom


def _summary(lines: list[dict]) -> str:
    units: dict[str, int] = {}
    for line in lines:
        units[line["sku"]] = units.get(line["sku"], 0) + line["quantity"]
    text = ", ".join(f"{count}× {sku}" for sku, count in units.items())
    promised = sum(line["quantity"] for line in lines if line["promised_until"] is not None)
    if promised:
        text += " · " + _("%(count)s not on the shelf yet", count=promised)
    return text


def _draw_scans(canvas: Canvas, fulfillments: Sequence[FulfillmentOrder],
                lines: dict[int, list[dict]], y: float) -> None:
    draw_text(canvas, LEFT, y - 6 * mm, _("Scan when packing"), 12, RIGHT - LEFT, BOLD)
    y -= SCAN_TITLE_H
    for i, fulfillment in enumerate(fulfillments):
        x, top = LEFT + (i % 2) * SCAN_W, y - (i // 2) * SCAN_H
        draw_text(canvas, x + 2 * mm, top - 4 * mm, fulfillment.number, 10, SCAN_W - 4 * mm,
                  BOLD)
        draw_code128(canvas, fulfillment.number, x, top - 17 * mm, 11 * mm, SCAN_MODULE,
                     SCAN_W - 2 * mm)
        draw_text(canvas, x + 2 * mm, top - 20.5 * mm, _summary(lines.get(fulfillment.id, [])),
                  7, SCAN_W - 4 * mm)
    rows = (len(fulfillments) + 1) // 2
    canvas.setLineWidth(0.25)
    canvas.setStrokeGray(0.6)
    for row in range(1, rows):
        canvas.line(LEFT, y - row * SCAN_H + 1 * mm, RIGHT, y - row * SCAN_H + 1 * mm)
    canvas.setStrokeGray(0)


def _facts(fulfillments, rows: list[PickRow], left_out: int, job: Job) -> list[str]:
    units = sum(row.quantity for row in rows)
    promised = sum(row.promised for row in rows)
    facts = [" · ".join((
        _jobs(job, len(fulfillments)),
        ngettext("%(num)s unit", "%(num)s units", units),
        ngettext("%(num)s product", "%(num)s products", len(rows))))]
    if promised:
        facts.append(ngettext("%(num)s unit is not on the shelf yet (incoming delivery).",
                              "%(num)s units are not on the shelf yet (incoming delivery).",
                              promised))
    if left_out:
        facts.append(_more_jobs(job, left_out))
    return facts


def render_pick_list(location: Location, fulfillments: Sequence[FulfillmentOrder],
                     left_out: int = 0, lines: dict[int, list[dict]] | None = None,
                     job: Job = "fulfilment") -> bytes:
    """The pick list of ``fulfillments`` (all at ``location``) as PDF bytes; ``left_out``
    says how many more a capped selection did not include. ``lines`` (id → lines as
    ``queries.lines_of`` makes them) lets other jobs with an ``id`` and a ``number``, such
    as a transfer (``job="transfer"``, which the texts then name), be picked too."""
    fulfillments = sorted(fulfillments, key=lambda f: f.id)
    lines = lines_of(fulfillments) if lines is None else lines
    rows = pick_rows(location, fulfillments, lines)
    pages = _paginate(_items(rows))
    per_scan_page = 2 * int((TOP - HEADER_H - SCAN_TITLE_H - BOTTOM) // SCAN_H)
    scan_pages = [fulfillments[i:i + per_scan_page]
                  for i in range(0, len(fulfillments), per_scan_page)]
    printed = pdf_text(format_datetime(utcnow(), "short"))
    sheet = _Sheet(location, printed, len(pages) + len(scan_pages),
                   _for_jobs(job, len(fulfillments)))
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{_('Pick list')} {location.code} {printed}")
    canvas.setCreator("Retail OMS")
    for number, items in enumerate(pages, 1):
        if number == 1:
            y = _first_header(canvas, sheet, _facts(fulfillments, rows, left_out, job))
        else:
            y = _running_header(canvas, sheet, _("Pick list"))
        y = _column_header(canvas, sheet, y)
        for item in items:
            y = _draw_item(canvas, item, y)
        if not rows:
            draw_text(canvas, LEFT + 1 * mm, y - 6 * mm, _("Nothing to pick."), 10, 100 * mm)
        _footer(canvas, sheet, number)
        canvas.showPage()
    for number, chunk in enumerate(scan_pages, len(pages) + 1):
        _draw_scans(canvas, chunk, lines, _running_header(canvas, sheet, _("Pick list")))
        _footer(canvas, sheet, number)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
