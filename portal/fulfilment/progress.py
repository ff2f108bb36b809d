"""The order follows its parts: after every fulfilment step and shipment event,
``order_follows`` moves the order along ``orders/status.py``.

- The first part that is worked on moves a confirmed order to ``in_fulfilment``.
- Home and locker orders: some parts shipped → ``partially_shipped``; all shipped (and
  nothing left to source) → ``shipped``; every shipment delivered → ``delivered``.
- Click & Collect: when every part waits at the pickup store (its own parts ready for
  pickup, the other locations' shipments delivered there) the order is
  ``ready_for_pickup`` and the customer gets a pickup code (``pickup.make_ready``);
  handing it over (``handover.collect``) makes it ``collected``.
"""

from __future__ import annotations

from portal.fulfilment.models import FulfillmentOrder
from portal.fulfilment.pickup import make_ready
from portal.fulfilment.status import OPEN, FulfillmentStatus
from portal.orders.models import Order
from portal.orders.services import transition_order
from portal.orders.status import DeliveryMethod, OrderStatus
from portal.orders.status import can_transition as order_can_transition
from portal.shipping.models import Shipment
from portal.shipping.status import Destination, ShipmentStatus

F = FulfillmentStatus
GONE = (F.REJECTED, F.CANCELLED)


def order_follows(order: Order, actor, note: str = "") -> Order:
    """Move ``order`` after its fulfilments and shipments (see the module docstring)."""
    order = Order.get_by_id(order.id)
    parts = list(FulfillmentOrder.select(FulfillmentOrder.id, FulfillmentOrder.status,
                                         FulfillmentOrder.location)
                 .where(FulfillmentOrder.order == order.id,
                        FulfillmentOrder.status.not_in(list(GONE))))
    if not parts:
        return order
    if order.status == OrderStatus.CONFIRMED and any(p.status != F.ASSIGNED for p in parts):
        order = transition_order(order, OrderStatus.IN_FULFILMENT, actor, note)
    shipments = list(Shipment.select(Shipment.fulfillment, Shipment.status)
                     .where(Shipment.order == order.id,
                            Shipment.destination != Destination.RETURN))
    if order.delivery_method == DeliveryMethod.CLICK_COLLECT:
        if order.status == OrderStatus.IN_FULFILMENT and _waiting_at_store(order, parts,
                                                                            shipments):
            make_ready(order, actor)
        return order
    target = _shipping_target(order, parts, shipments)
    if target and target != order.status:
        if target == OrderStatus.DELIVERED and order.status != OrderStatus.SHIPPED:
            order = _move(order, OrderStatus.SHIPPED, actor, note)
        order = _move(order, target, actor, note)
    return order


def _move(order: Order, target: str, actor, note: str) -> Order:
    if order_can_transition(order.status, target):
        return transition_order(order, target, actor, note)
    return order


def _waiting_at_store(order: Order, parts, shipments) -> bool:
    if order.attention:
        return False  # units still to source: the order is not complete
    arrived = {}
    for shipment in shipments:
        delivered = shipment.status == ShipmentStatus.DELIVERED
        arrived[shipment.fulfillment_id] = arrived.get(shipment.fulfillment_id, True) and delivered
    for part in parts:
        here = part.location_id == order.pickup_location_id
        if here and part.status != F.READY_FOR_PICKUP:
            return False
        if not here and not (part.status == F.SHIPPED and arrived.get(part.id, False)):
            return False
    return True


def _shipping_target(order: Order, parts, shipments) -> str | None:
    shipped = [p for p in parts if p.status == F.SHIPPED]
    if not shipped:
        return None
    if any(p.status in OPEN for p in parts) or order.attention:
        return OrderStatus.PARTIALLY_SHIPPED
    if shipments and all(s.status == ShipmentStatus.DELIVERED for s in shipments):
        return OrderStatus.DELIVERED
    return OrderStatus.SHIPPED
