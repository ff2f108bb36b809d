"""Read models of the Click & Collect pickup screen: the stores a user may serve, one
store's orders to hand over or still on the way, and per page their articles, parts and
parcels to the store (one query each, never per row)."""

from __future__ import annotations

from collections import defaultdict

from peewee import Case, fn

from portal.fulfilment.models import FulfillmentOrder
from portal.fulfilment.status import FulfillmentStatus
from portal.inventory.models import Product
from portal.locations.models import Location
from portal.locations.status import LocationKind
from portal.orders.models import Order, OrderLine
from portal.orders.status import DeliveryMethod, OrderStatus
from portal.shipping.models import Shipment
from portal.shipping.status import Destination

READY = OrderStatus.READY_FOR_PICKUP
# Paid orders whose parts are still prepared or travelling to the pickup store.
ON_THE_WAY = (OrderStatus.CONFIRMED, OrderStatus.IN_FULFILMENT)
GONE = (FulfillmentStatus.REJECTED, FulfillmentStatus.CANCELLED)


def pickup_locations(user) -> list[Location]:
    """Active stores whose pickup counter ``user`` may serve: an employee their home
    store; logistics (they receive the parcels), managers and admins every store."""
    query = Location.select().where(Location.active == True,  # noqa: E712
                                    Location.kind == LocationKind.STORE)
    if user.is_store_scoped:
        query = query.where(Location.id == user.home_store_id)
    return list(query.order_by(Location.code))


def _base(location: Location, text: str):
    query = Order.select().where(Order.pickup_location == location.id,
                                 Order.delivery_method == DeliveryMethod.CLICK_COLLECT,
                                 Order.status.in_([READY, *ON_THE_WAY]))
    if text:
        like = f"%{text.strip()}%"
        query = query.where(Order.number.ilike(like) | Order.customer_name.ilike(like)
                            | Order.customer_email.ilike(like))
    return query


def pickup_orders(location: Location, text: str = ""):
    """Click & Collect orders of ``location``: ready ones first, longest waiting first,
    then those on the way, oldest first; ``text`` a part of the number, name or e-mail."""
    ready_first = Case(None, [(Order.status == READY, 0)], 1)
    return _base(location, text).order_by(ready_first, Order.pickup_ready_at, Order.id)


def section_counts(location: Location, text: str = "") -> dict[str, int]:
    """How many orders are ready and how many on the way (same filter as the list)."""
    rows = (_base(location, text).select(Order.status, fn.COUNT(Order.id))
            .group_by(Order.status).tuples())
    counts = {"ready": 0, "on_the_way": 0}
    for status, count in rows:
        counts["ready" if status == READY else "on_the_way"] += count
    return counts


def articles_of(orders: list[Order]) -> dict[int, list[dict]]:
    """Order id → [{sku, name, quantity}] in line order."""
    if not orders:
        return {}
    rows = (OrderLine.select(OrderLine.order, OrderLine.quantity, Product.sku, Product.name)
            .join(Product).where(OrderLine.order.in_([o.id for o in orders]))
            .order_by(OrderLine.order, OrderLine.line_no).dicts())
    articles: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        articles[row["order"]].append(row)
    return dict(articles)


def parts_of(orders: list[Order]) -> dict[int, list[FulfillmentOrder]]:
    """Order id → its fulfilments still in play (with their location), oldest first."""
    if not orders:
        return {}
    parts: dict[int, list[FulfillmentOrder]] = defaultdict(list)
    for part in (FulfillmentOrder.select(FulfillmentOrder, Location).join(Location)
                 .where(FulfillmentOrder.order.in_([o.id for o in orders]),
                        FulfillmentOrder.status.not_in(list(GONE)))
                 .order_by(FulfillmentOrder.id)):
        parts[part.order_id].append(part)
    return dict(parts)


def parcels_to(location: Location, orders: list[Order]) -> dict[int, list[Shipment]]:
    """Order id → the shipments other locations send to ``location`` for it."""
    if not orders:
        return {}
    parcels: dict[int, list[Shipment]] = defaultdict(list)
    for shipment in (Shipment.select()
                     .where(Shipment.order.in_([o.id for o in orders]),
                            Shipment.destination == Destination.STORE,
                            Shipment.to_location == location.id)
                     .order_by(Shipment.id)):
        parcels[shipment.order_id].append(shipment)
    return dict(parcels)
