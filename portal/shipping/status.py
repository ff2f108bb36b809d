"""Shipment states and where a shipment goes.

created (labels printed) → handed_over (the carrier took it) → in_transit → delivered.
A carrier may skip states (a parcel scanned first at delivery) but never goes back;
``delivered`` is final. A Click & Collect part from another location is a shipment to
the pickup store, delivered when the store receives it.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class ShipmentStatus(StrEnum):
    CREATED = "created"
    HANDED_OVER = "handed_over"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"


class Destination(StrEnum):
    HOME = "home"      # the customer's address
    LOCKER = "locker"  # a parcel locker the customer opens with a code
    STORE = "store"    # the pickup store of a Click & Collect order
    RETURN = "return"  # a customer's return parcel to a returns location (returns domain)


ORDER = tuple(ShipmentStatus)  # the states in their only direction

STATUS_LABELS = {
    ShipmentStatus.CREATED: _l("Label created"),
    ShipmentStatus.HANDED_OVER: _l("Handed over to the carrier"),
    ShipmentStatus.IN_TRANSIT: _l("In transit"),
    ShipmentStatus.DELIVERED: _l("Delivered"),
}


def is_forward(current: str, target: str) -> bool:
    """True when ``target`` comes after ``current`` (carriers may skip states)."""
    return ORDER.index(ShipmentStatus(target)) > ORDER.index(ShipmentStatus(current))
