"""Printing parcel labels, a batch at a time: ``render_4x6`` (a thermal label per PDF
page), ``render_a4`` (four labels per A4 page, with cut marks) and ``render_zpl`` (ZPL II
for Zebra-compatible thermal printers). What a label shows is ``LabelData``
(``label_data.py``); the drawing lives in ``label_pdf.py`` and ``label_zpl.py``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask_babel import gettext as _

from portal.shipping.errors import ShippingInvalid
from portal.shipping.label_data import TEXT, Address, LabelData
from portal.shipping.label_pdf import render_pages
from portal.shipping.label_zpl import zpl_label

__all__ = ["TEXT", "Address", "LabelData", "render_4x6", "render_a4", "render_zpl"]


def _labels(labels: Iterable[LabelData]) -> Iterator[LabelData]:
    """``labels``, refusing an empty batch once the iteration shows it is empty."""
    empty = True
    for label in labels:
        empty = False
        yield label
    if empty:
        raise ShippingInvalid(_("There are no labels to print."))


def render_4x6(labels: Iterable[LabelData], *, qr: bool = True, sscc: bool = True) -> bytes:
    """One PDF with a 4x6 inch page per label, in order. ``qr=False``/``sscc=False``
    leave those symbols out (printers that cannot hold them; the benchmark's baseline)."""
    return render_pages(_labels(labels), a4=False, qr=qr, sscc=sscc)


def render_a4(labels: Iterable[LabelData], *, qr: bool = True, sscc: bool = True) -> bytes:
    """One PDF of A4 pages holding four labels each (2 x 2, cut marks between them),
    for office printers; the labels are scaled to 96 % to fit a quarter page."""
    return render_pages(_labels(labels), a4=True, qr=qr, sscc=sscc)


def render_zpl(labels: Iterable[LabelData]) -> str:
    """ZPL II for 4x6 inch labels at 203 dpi: one ``^XA ... ^XZ`` block per label."""
    return "".join(zpl_label(label) for label in _labels(labels))
