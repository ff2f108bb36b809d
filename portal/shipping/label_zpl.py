"""Parcel labels as ZPL II for Zebra-compatible thermal printers: 4x6 inch at 203 dpi
(812 x 1218 dots), the same layout as the PDF label.

- ``^CI28``: field data is UTF-8, so umlauts print as they are.
- Text, tracking number and URL fields go through ``^FH`` (hex escapes, ``_`` as the
  indicator), so a ``^`` or ``~`` typed into an address cannot end the field or start a
  command.
- Tracking number: ``^BC`` in automatic mode (``A``), the printer picks the code sets
  (a ``>`` in the data is written ``><``, Code128's escape for it).
- SSCC: ``^BC`` with ``>;`` (start in code set C) and ``>8`` (FNC1), then ``00`` and
  the 18 digits: a GS1-128 symbol. Its human-readable line is printed as text.
- QR code: ``^BQN,2,6`` (model 2, 6 dots a module) with ``MA,`` (error correction M,
  automatic input) before the tracking URL.
"""

from __future__ import annotations

from portal.shipping import gs1
from portal.shipping.label_data import TEXT, LabelData

WIDTH, HEIGHT = 812, 1218
M = 24                            # 3 mm margin
SERVICE_BOX = 192


def escape(text: str) -> str:
    """``text`` safe inside ``^FH^FD ... ^FS``: the indicator and the command prefixes as
    hex escapes, line breaks as spaces."""
    text = " ".join(str(text).split())
    return text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def _text(x: int, y: int, text: str, height: int, width: int = 0, *, max_dots: int = 0,
          reverse: bool = False, centre: int = 0) -> str:
    """A text field at (x, y) in font 0; cut to about ``max_dots`` wide."""
    width = width or height
    text = " ".join(str(text).split())
    if max_dots:
        fits = max(1, int(max_dots / (0.55 * width)))
        if len(text) > fits:
            text = text[:fits - 1] + "…"
    block = f"^FB{centre},1,0,C" if centre else ""
    return (f"^FO{x},{y}^A0N,{height},{width}{block}{'^FR' if reverse else ''}"
            f"^FH^FD{escape(text)}^FS\n")


def _header(label: LabelData) -> str:
    box_x, band = WIDTH - M - SERVICE_BOX, 96
    service = label.service[:4]
    if label.is_return:
        return (f"^FO{M},{M}^GB{WIDTH - 2 * M},{band},{band}^FS\n"
                + _text(M + 16, M + 10, TEXT["return"], 56, 48, reverse=True,
                        max_dots=box_x - M - 24)
                + _text(M + 16, M + 70, f"{label.carrier_name} · "
                        f"{label.service_name or label.service}", 20, 18, reverse=True,
                        max_dots=box_x - M - 24)
                + _text(box_x, M + 16, service, 70, 60, reverse=True, centre=SERVICE_BOX))
    return (_text(M, M + 8, label.carrier_name.upper(), 44, 40, max_dots=box_x - M - 16)
            + _text(M, M + 62, label.service_name or label.service, 24, 22,
                    max_dots=box_x - M - 16)
            + f"^FO{box_x},{M}^GB{SERVICE_BOX},{band},{band}^FS\n"
            + _text(box_x, M + 16, service, 70, 60, reverse=True, centre=SERVICE_BOX))


def _sender_and_parcel(label: LabelData) -> str:
    top, column = 128, 480
    out = [_text(M, top, TEXT["sender"], 18, 16)]
    y = top + 26
    for line in label.sender_lines()[:5]:
        out.append(_text(M, y, line, 24, 22, max_dots=column - 16))
        y += 26
    left, y = M + column, top
    width = WIDTH - M - left
    for row in label.fact_rows():
        cell = width // len(row)
        for i, (caption, value) in enumerate(row):
            x = left + i * cell
            out.append(_text(x, y, caption, 18, 16))
            out.append(_text(x, y + 20, value, 30, 26, max_dots=cell - 8))
        y += 56
    return "".join(out)


STYLES = {"note": (22, 20, 30), "name": (44, 40, 50), "line": (36, 32, 42),
          "strong": (36, 34, 42), "city": (56, 52, 62)}


def _recipient(label: LabelData) -> str:
    top, bottom = 304, 628
    out = [f"^FO{M},{top}^GB{WIDTH - 2 * M},{bottom - top},4^FS\n",
           _text(M + 24, top + 12, TEXT["recipient"], 18, 16)]
    y = top + 40
    for style, text in label.recipient_lines():
        height, width, step = STYLES[style]
        if y + height > bottom - 8:
            break
        out.append(_text(M + 24, y, text, height, width, max_dots=WIDTH - 2 * M - 48))
        y += step
    return "".join(out)


def _tracking(label: LabelData) -> str:
    top, qr_x = 640, WIDTH - M - 216
    return (_text(M, top + 8, TEXT["tracking"], 18, 16)
            + f"^FO{M + 16},{top + 32}^BY3,3,168^BCN,168,N,N,N,A"
              f"^FH^FD{escape(label.tracking_number).replace('>', '><')}^FS\n"
            + _text(M + 16, top + 212, label.tracking_number, 34, 30)
            + f"^FO{qr_x},{top + 16}^BQN,2,6^FH^FDMA,{escape(label.tracking_url)}^FS\n"
            + _text(qr_x, top + 262, TEXT["track"], 16, 14))


def _sscc(label: LabelData) -> str:
    top = 936
    out = f"^FO{M},{top}^GB{WIDTH - 2 * M},3,3^FS\n"
    if label.sscc is None:
        return out
    return (out + _text(M, top + 10, TEXT["sscc"], 18, 16)
            + f"^FO{M + 40},{top + 34}^BY4,3,184^BCN,184,N,N,N,N"
              f"^FD>;>8{gs1.sscc_scanned(label.sscc)}^FS\n"
            + _text(M + 40, top + 226, gs1.sscc_text(label.sscc), 34, 30))


def zpl_label(label: LabelData) -> str:
    """One label as a ``^XA ... ^XZ`` block."""
    return ("^XA\n^CI28\n"
            f"^PW{WIDTH}\n^LL{HEIGHT}\n^LH0,0\n"
            + _header(label) + _sender_and_parcel(label) + _recipient(label)
            + _tracking(label) + _sscc(label) + "^XZ\n")
