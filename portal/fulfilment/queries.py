"""Read models of the work queue and the WMS API: fulfilments per location and state,
their lines (the order's reservations at the location), counts per state."""

from __future__ import annotations

from collections import defaultdict

from peewee import JOIN, fn

from portal.fulfilment.models import FulfillmentOrder
from portal.fulfilment.status import FulfillmentStatus
from portal.inventory.models import IncomingStock, Product
from portal.locations.models import Location
from portal.orders.models import Order, OrderLine, Reservation
from portal.orders.status import OrderStatus, ReservationStatus
from portal.shipping.models import Shipment

F = FulfillmentStatus
R = ReservationStatus
# Which reservations a fulfilment holds, by its state.
HELD_AS = {F.SHIPPED: (R.SHIPPED,), F.COLLECTED: (R.HANDED_OVER,), F.REJECTED: (R.RELEASED,)}
OPEN_HOLDS = (R.ACTIVE, R.PROMISED)


def queue(location: Location, status: str = "", text: str = ""):
    """Fulfilments of one location, oldest first; ``status`` one state; ``text`` a part
    of the order number. Work of cancelled orders is left out."""
    query = (FulfillmentOrder.select(FulfillmentOrder, Order).join(Order)
             .where(FulfillmentOrder.location == location.id,
                    Order.status != OrderStatus.CANCELLED))
    if status in set(F):
        query = query.where(FulfillmentOrder.status == status)
    if text:
        query = query.where(FulfillmentOrder.number.ilike(f"%{text.strip()}%"))
    return query.order_by(FulfillmentOrder.id)


def status_counts(location: Location) -> dict[str, int]:
    """Fulfilments per state at ``location`` (cancelled orders left out)."""
    rows = (FulfillmentOrder.select(FulfillmentOrder.status, fn.COUNT(FulfillmentOrder.id))
            .join(Order).where(FulfillmentOrder.location == location.id,
                               Order.status != OrderStatus.CANCELLED)
            .group_by(FulfillmentOrder.status).tuples())
    return dict(rows)


def lines_of(fulfillments: list[FulfillmentOrder]) -> dict[int, list[dict]]:
    """Fulfilment id → [{sku, name, quantity, promised_until}] in one query."""
    if not fulfillments:
        return {}
    by_place = {(f.order_id, f.location_id): f for f in fulfillments}
    rows = (Reservation.select(Reservation.location, Reservation.quantity, Reservation.status,
                               OrderLine.order, OrderLine.line_no, Product.sku, Product.name,
                               IncomingStock.expected_on)
            .join(OrderLine).join(Product)
            .switch(Reservation).join(IncomingStock, JOIN.LEFT_OUTER)
            .where(OrderLine.order.in_(list({f.order_id for f in fulfillments})),
                   Reservation.location.in_(list({f.location_id for f in fulfillments})))
            .order_by(OrderLine.line_no, Reservation.id).dicts())
    lines: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        fulfillment = by_place.get((row["order"], row["location"]))
        if fulfillment is None or row["status"] not in HELD_AS.get(fulfillment.status,
                                                                   OPEN_HOLDS):
            continue
        promised = row["status"] == R.PROMISED
        lines[fulfillment.id].append({
            "sku": row["sku"], "name": row["name"], "quantity": row["quantity"],
            "promised_until": row["expected_on"] if promised else None})
    return dict(lines)


def tracking_numbers(fulfillments: list[FulfillmentOrder]) -> dict[int, list[str]]:
    """Fulfilment id → the tracking numbers of its shipments, in one query."""
    numbers: dict[int, list[str]] = defaultdict(list)
    for fulfillment_id, number in (Shipment.select(Shipment.fulfillment, Shipment.tracking_number)
                                   .where(Shipment.fulfillment.in_([f.id for f in fulfillments]))
                                   .order_by(Shipment.id).tuples()):
        numbers[fulfillment_id].append(number)
    return dict(numbers)


def fulfilments_of(order: Order) -> dict[int, FulfillmentOrder]:
    """Location id → the order's newest fulfilment there (for the order page)."""
    newest: dict[int, FulfillmentOrder] = {}
    for fulfillment in (FulfillmentOrder.select().where(FulfillmentOrder.order == order.id)
                        .order_by(FulfillmentOrder.id)):
        newest[fulfillment.location_id] = fulfillment
    return newest


def queue_locations(user) -> list[Location]:
    """Locations whose queue ``user`` may work: an employee their store; logistics staff
    every active location that is not a store; managers and admins every one."""
    query = Location.select().where(Location.active == True)  # noqa: E712
    if user.role == "employee":
        query = query.where(Location.id == user.home_store_id)
    elif user.role == "logistics":
        query = query.where(Location.kind != "store")
    return sorted(query, key=lambda place: (place.kind != "warehouse", place.code))
