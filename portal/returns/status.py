"""Return and transfer states, drop-off channels, conditions and dispositions.

A return (RMA) is ``requested`` when registered (by the customer through the API or at
a counter), ``in_transit`` once the carrier has the parcel, ``received`` when a store or
warehouse has inspected its lines (the refund goes out then), and ``cancelled`` if the
customer never sends it. A return handed in at a store counter is received at once; one
announced for a store (or by post, its parcel not with the carrier yet) may be received
at any store's counter, whose store it then is.

A transfer (replenishment between locations) is ``approved`` (units reserved at the
source, incoming at the target), ``shipped`` (left the source), ``received`` (on hand
at the target) or ``cancelled`` before it left.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class ReturnStatus(StrEnum):
    REQUESTED = "requested"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class DropOff(StrEnum):
    STORE = "store"              # handed in at a store counter
    POST_OFFICE = "post_office"  # with the return label at a post office
    MAILBOX = "mailbox"          # with the return label into a mailbox / parcel shop


class Condition(StrEnum):
    NEW = "new"          # unopened, sellable as new
    OPENED = "opened"    # opened or tried, complete and sellable
    DAMAGED = "damaged"  # not sellable as it is


class Disposition(StrEnum):
    RESTOCK = "restock"        # back on the shelf where it was received
    TRANSFER = "transfer"      # sent on to the location that needs it most
    REFURBISH = "refurbish"    # repaired or cleaned before it is sold again
    SCRAP = "scrap"            # written off


class TransferStatus(StrEnum):
    APPROVED = "approved"
    SHIPPED = "shipped"
    RECEIVED = "received"
    CANCELLED = "cancelled"


SELLABLE = frozenset({Disposition.RESTOCK, Disposition.TRANSFER})
RETURNABLE_ORDER_STATES = ("shipped", "delivered", "collected")

STATUS_LABELS = {
    ReturnStatus.REQUESTED: _l("Registered"),
    ReturnStatus.IN_TRANSIT: _l("On its way back"),
    ReturnStatus.RECEIVED: _l("Received"),
    ReturnStatus.CANCELLED: _l("Cancelled"),
}
DROP_OFF_LABELS = {
    DropOff.STORE: _l("At a store"),
    DropOff.POST_OFFICE: _l("At a post office"),
    DropOff.MAILBOX: _l("Into a mailbox"),
}
CONDITION_LABELS = {
    Condition.NEW: _l("New, unopened"),
    Condition.OPENED: _l("Opened, complete"),
    Condition.DAMAGED: _l("Damaged"),
}
DISPOSITION_LABELS = {
    Disposition.RESTOCK: _l("Back to stock here"),
    Disposition.TRANSFER: _l("To the location that needs it"),
    Disposition.REFURBISH: _l("Refurbish"),
    Disposition.SCRAP: _l("Scrap"),
}
TRANSFER_LABELS = {
    TransferStatus.APPROVED: _l("Approved"),
    TransferStatus.SHIPPED: _l("Shipped"),
    TransferStatus.RECEIVED: _l("Received"),
    TransferStatus.CANCELLED: _l("Cancelled"),
}
