"""Shipped orders for the tracking tests: a paid order whose fulfilments went
accepted → picking → packed → shipped, and a parcel locker to send one to."""

from __future__ import annotations

from portal.fulfilment.services import advance
from portal.orders.models import Order
from portal.shipping.models import ParcelLocker, Shipment
from tests.fulfilment.conftest import fulfilments, paid_order

STEPS = ("accepted", "picking", "packed", "shipped")


def ship(order: Order, actor, steps=STEPS) -> list[Shipment]:
    """Take every fulfilment of ``order`` through ``steps``; its shipments, oldest first."""
    for part in fulfilments(order):
        for step in steps:
            advance(part, step, actor)
    return list(Shipment.select().where(Shipment.order == order.id).order_by(Shipment.id))


def shipped_order(actor, *lines, **fields) -> tuple[Order, list[Shipment]]:
    """A paid order (``paid_order``'s arguments) with every part shipped."""
    order = paid_order(*(lines or (("CAP-1", 1),)), **fields)
    shipments = ship(order, actor)
    return Order.get_by_id(order.id), shipments


def make_locker(code: str = "PS-4711") -> ParcelLocker:
    return ParcelLocker.create(code=code, name="Packstation 4711", street="Alexanderplatz 1",
                               postcode="10178", city="Berlin")


def current(record):
    return type(record).get_by_id(record.id)
