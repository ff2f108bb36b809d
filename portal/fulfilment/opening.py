"""Opening fulfilment orders: one ``assigned`` fulfilment per location that holds
reservations of a confirmed order. Called explicitly by ``transition_order`` (an order
becomes confirmed) and by re-sourcing (new locations hold units); imports only models,
so the order services can call it without an import cycle."""

from __future__ import annotations

from peewee import fn

from portal.fulfilment.models import FulfillmentOrder
from portal.fulfilment.status import OPEN
from portal.orders.models import Order, OrderLine, Reservation
from portal.orders.status import DeliveryMethod, OrderStatus, ReservationStatus

# Orders in these states have work for the locations (a pending order is not paid yet).
WORKING = frozenset({OrderStatus.CONFIRMED, OrderStatus.IN_FULFILMENT,
                     OrderStatus.PARTIALLY_SHIPPED})


def open_fulfilments(order: Order) -> list[FulfillmentOrder]:
    """Create an ``assigned`` fulfilment for every location holding active or promised
    units of ``order`` without an open fulfilment yet (inside the caller's
    transaction); returns the new ones. A sale taken along at the counter has none."""
    if order.delivery_method == DeliveryMethod.CARRY_OUT:
        return []
    holding = {location_id for (location_id,) in
               Reservation.select(Reservation.location).distinct().join(OrderLine)
               .where(OrderLine.order == order.id,
                      Reservation.status.in_([ReservationStatus.ACTIVE,
                                              ReservationStatus.PROMISED])).tuples()}
    if not holding:
        return []
    existing = list(FulfillmentOrder.select(FulfillmentOrder.location, FulfillmentOrder.status)
                    .where(FulfillmentOrder.order == order.id).tuples())
    covered = {location_id for location_id, status in existing if status in OPEN}
    count = len(existing)
    created = []
    for location_id in sorted(holding - covered):
        count += 1
        created.append(FulfillmentOrder.create(order=order.id, location=location_id,
                                               number=f"{order.number}-{count}"))
    return created


def open_count(order_id: int) -> int:
    """Open fulfilments of an order (tests and screens)."""
    return (FulfillmentOrder.select(fn.COUNT(FulfillmentOrder.id))
            .where(FulfillmentOrder.order == order_id,
                   FulfillmentOrder.status.in_(list(OPEN))).scalar())
