"""How order states, delivery methods and the notes of an order's timeline are named on
screen."""

from flask_babel import lazy_gettext as _l

from portal.inventory.labels import REASON_WORDINGS as MOVEMENT_REASONS
from portal.wording import Wording, amount_text, reword

STATUS_LABELS = {
    "pending_payment": _l("Awaiting payment"),
    "confirmed": _l("Confirmed"),
    "in_fulfilment": _l("In fulfilment"),
    "partially_shipped": _l("Partially shipped"),
    "shipped": _l("Shipped"),
    "ready_for_pickup": _l("Ready for pickup"),
    "delivered": _l("Delivered"),
    "collected": _l("Collected"),
    "cancelled": _l("Cancelled"),
    "returned": _l("Returned"),
}
DELIVERY_LABELS = {
    "home": _l("Home delivery"),
    "click_collect": _l("Click & Collect"),
    "locker": _l("Parcel locker"),
    "carry_out": _l("Taken along"),
}

RESERVATION_LABELS = {
    "active": _l("reserved"),
    "released": _l("released"),
    "shipped": _l("shipped"),
    "handed_over": _l("handed over"),
    "promised": _l("promised from an incoming delivery"),
}

# Timeline entries that are not status changes.
EVENT_LABELS = {
    "refund": _l("Refund"),
    "refund_failed": _l("Refund failed"),
    "fulfilment_rejected": _l("A location could not fulfil"),
    "resourced": _l("Sourced again"),
    "needs_attention": _l("Needs attention"),
    "shipment": _l("Shipment"),
    "pickup_refused": _l("Wrong pickup code"),
    "pickup_code": _l("Pickup code sent"),
}

# Why the system cancelled an order or refunded it (``payments.expiry``, ``pickup``,
# ``payments.services``, ``refunds``: English codes the customer's e-mail words too)
# and what a sourcing decision was made for (``resourcing``), for staff.
_UNCOLLECTED = Wording(r"not collected in time", _l("Not collected within the pickup period"))
REASON_WORDINGS = [
    Wording(r"payment not received in time", _l("Payment not received in time")),
    Wording(r"payment could not be started", _l("The payment could not be started")),
    _UNCOLLECTED,
    Wording(r"order cancelled", _l("Order cancelled")),
    Wording(r"rejected by (?P<location>.+)", _l("after %(location)s could not fulfil")),
    Wording(r"sourced again", _l("Sourced again")),
    Wording(r"return label", _l("Return label")),  # a return shipment's first event
]
# Units given back to the shelf when a Click & Collect order was not collected.
MOVEMENT_REASONS["return"].append(_UNCOLLECTED)


def order_text(text: str) -> str:
    """A note or reason stored with an order (its attention note, a refund's reason or
    note, a shipment event's note) in the reader's language."""
    return reword(text, REASON_WORDINGS)


def order_note(event) -> str:
    """The note of an ``OrderEvent`` in the reader's language."""
    note = event.note or ""
    if event.kind == "resourced":
        # "<rule name>: <location codes>", the rule's name as sourcing shows it
        from portal.sourcing.labels import rule_label  # sourcing's labels use ours

        rule, sep, codes = note.rpartition(": ")
        return f"{rule_label(rule)}: {codes}" if sep else rule_label(note)
    if event.kind in ("refund", "refund_failed"):
        # "<amount> · <pending> · <provider> · <reference> · <reason>", in the words of
        # whoever caused it
        return " · ".join(amount_text(part) or order_text(part)
                          for part in note.split(" · "))
    return order_text(note)
