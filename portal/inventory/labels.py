"""How movement kinds and sales channels are named on screen."""

from flask_babel import lazy_gettext as _l

MOVEMENT_LABELS = {
    "opening": _l("Opening balance"),
    "receipt": _l("Receipt"),
    "sale": _l("Shipped / sold"),
    "reservation": _l("Reserved"),
    "release": _l("Released"),
    "adjustment": _l("Adjustment"),
    "transfer_out": _l("Transfer out"),
    "transfer_in": _l("Transfer in"),
    "return": _l("Return"),
    "feed_sync": _l("Feed sync"),
    "safety_stock": _l("Safety stock"),
}

CHANNEL_LABELS = {
    "web": _l("Web shop"),
    "store": _l("In-store sale"),
    "order_in_store": _l("Order in Store"),
    "marketplace": _l("Marketplace"),
}
