"""How order states and delivery methods are named on screen."""

from flask_babel import lazy_gettext as _l

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
