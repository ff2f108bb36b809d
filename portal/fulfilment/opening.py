"""Opening and closing fulfilment orders with their order: one ``assigned`` fulfilment
per location that holds reservations of a confirmed order (called by
``transition_order`` when an order becomes confirmed, and by re-sourcing when new
locations hold units); a cancelled order's open fulfilments become ``cancelled``
(``cancel_open``, called by ``cancel_order``). Imports only models, so the order
services can call it without an import cycle."""

from __future__ import annotations

from peewee import fn

from portal.audit.services import actor_label
from portal.db import utcnow
from portal.fulfilment.models import FulfillmentEvent, FulfillmentOrder
from portal.fulfilment.status import OPEN, FulfillmentStatus
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


def cancel_open(order: Order, actor) -> int:
    """Every open fulfilment of a cancelled ``order`` becomes ``cancelled``, with an
    event (inside the caller's transaction); returns how many."""
    parts = list(FulfillmentOrder.select().where(FulfillmentOrder.order == order.id,
                                                 FulfillmentOrder.status.in_(list(OPEN))))
    for part in parts:
        FulfillmentEvent.create(fulfillment=part.id, type="cancelled", from_status=part.status,
                                to_status=FulfillmentStatus.CANCELLED,
                                actor=actor_label(actor)[:160], payload="{}")
    if parts:
        (FulfillmentOrder.update(status=FulfillmentStatus.CANCELLED, updated_at=utcnow())
         .where(FulfillmentOrder.id.in_([p.id for p in parts])).execute())
    return len(parts)


def open_count(order_id: int) -> int:
    """Open fulfilments of an order (tests and screens)."""
    return (FulfillmentOrder.select(fn.COUNT(FulfillmentOrder.id))
            .where(FulfillmentOrder.order == order_id,
                   FulfillmentOrder.status.in_(list(OPEN))).scalar())
