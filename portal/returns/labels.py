"""Words of the return screens: the labels of ``status.py`` and the timeline, and what a
clerk does with each line after a counter return. Registered as the template global
``return_labels`` (the order page lists returns too)."""

from __future__ import annotations

from types import SimpleNamespace

from flask_babel import lazy_gettext as _l

from portal.returns import status
from portal.returns.blueprint import bp

EVENT_LABELS = {
    "registered": _l("Registered"),
    "in_transit": _l("Parcel on its way back"),
    "arrived": _l("Parcel arrived"),
    "received": _l("Received and inspected"),
    "refunded": _l("Refunded"),
    "refund_failed": _l("Refund failed"),
    "refund_pending": _l("Refund under way at the provider"),
    "shipping_fee_refunded": _l("Shipping fee refunded"),
    "cancelled": _l("Cancelled"),
    "photos_added": _l("Photos added"),
}

# What the clerk does with the article once the counter return is booked (a transfer's
# words name its target: the template says them).
INSTRUCTIONS = {
    status.Disposition.RESTOCK: _l("Put it back on the shelf here"),
    status.Disposition.REFURBISH: _l("Put it aside for refurbishing"),
    status.Disposition.SCRAP: _l("Scrap it"),
}

LABELS = SimpleNamespace(status=status.STATUS_LABELS, drop_off=status.DROP_OFF_LABELS,
                         condition=status.CONDITION_LABELS,
                         disposition=status.DISPOSITION_LABELS, event=EVENT_LABELS,
                         instruction=INSTRUCTIONS)

bp.add_app_template_global(LABELS, "return_labels")
