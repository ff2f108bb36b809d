"""Words of the return screens: the labels of ``status.py`` and the timeline, and what a
clerk does with each line after a counter return. Registered as the template global
``return_labels`` (the order page lists returns too)."""

from __future__ import annotations

from types import SimpleNamespace

from flask_babel import lazy_gettext as _l

from portal.inventory.labels import REASON_WORDINGS as MOVEMENT_REASONS
from portal.returns import status
from portal.returns.blueprint import bp
from portal.wording import Wording, reword

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

# The reasons ``restock.decide`` gives, as the ledger, a line's note and a transfer's
# reason store them (English codes with the condition, action and figures).
def _condition(code: str) -> str:
    return str(status.CONDITION_LABELS.get(code, code))


def _action(code: str) -> str:
    return str(status.DISPOSITION_LABELS.get(code, code))


RESTOCK_WORDINGS = [
    Wording(r"returned in (?P<condition>\w+) condition", _l("Returned: %(condition)s"),
            {"condition": _condition}),
    Wording(r"(?P<action>\w+): returned in (?P<condition>\w+) condition",
            _l("%(action)s (returned: %(condition)s)"),
            {"action": _action, "condition": _condition}),
    Wording(r"no other location needs it", _l("No other location needs it")),
    Wording(r"needed at (?P<location>\S+): (?P<available>-?\d+) available, (?P<sold>\d+) sold "
            r"in (?P<days>\d+) days",
            _l("Needed at %(location)s: %(available)s available, %(sold)s sold in the last "
               "%(days)s days")),
]
MOVEMENT_REASONS["return"].extend(RESTOCK_WORDINGS)
# A transfer's reason: replenishment (with the form's one-time token), or a return's
# number and the restock reason.
TRANSFER_WORDINGS = [Wording(r"replenishment(?: \S+)?", _l("Replenishment")),
                     *RESTOCK_WORDINGS]

# The names of the demo retailer's restock rules (``demo/data.py``): a manager's data,
# shown in the reader's language while they still say what was seeded. A test keeps
# this list and the seeds together.
SEEDED_RULE_NAMES = {
    "Damaged → refurbish": _l("Damaged → refurbish"),
    "Needed elsewhere → transfer": _l("Needed elsewhere → transfer"),
    "Everything else → back to stock": _l("Everything else → back to stock"),
}


def restock_reason(text: str) -> str:
    """A returned line's note (the clerk's, or the restock reason) for the reader."""
    return reword(text, RESTOCK_WORDINGS)


def transfer_reason(text: str) -> str:
    """Why a transfer exists, for the reader."""
    return reword(text, TRANSFER_WORDINGS)


def restock_rule_name(name: str | None) -> str:
    """A restock rule's name on screen (a seeded name in the reader's language)."""
    label = SEEDED_RULE_NAMES.get(name or "")
    return (name or "") if label is None else str(label)


bp.add_app_template_global(restock_reason, "restock_reason")
bp.add_app_template_global(transfer_reason, "transfer_reason")
bp.add_app_template_global(restock_rule_name, "restock_rule_name")
