"""Click & Collect pickup codes and uncollected orders.

When every part of a Click & Collect order waits at the pickup store, ``make_ready``
moves the order to ``ready_for_pickup`` and e-mails the customer a six-digit code. Only
a hash of the code is stored (salted with the order's tracking token); the store checks
the code the customer shows (``handover.collect``). After ``PICKUP_MAX_ATTEMPTS`` wrong
codes the order is locked until staff send a new code.

An order not collected within ``PICKUP_DAYS`` is cancelled by ``expire_uncollected``:
the money goes back, the store's reserved units are released and the units that other
locations sent to the store are booked into the store's stock.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from peewee import fn

from portal.db import transaction, utcnow
from portal.errors import DomainError
from portal.fulfilment.models import FulfillmentOrder
from portal.fulfilment.status import FulfillmentStatus
from portal.inventory.services import Change, apply_changes
from portal.inventory.status import MovementKind
from portal.notifications.messages import PICKUP_READY
from portal.notifications.services import queue_order_message
from portal.orders.errors import IllegalTransition
from portal.orders.models import Order, OrderLine, Reservation
from portal.orders.services import note_event, transition_order
from portal.orders.status import DeliveryMethod, OrderStatus, ReservationStatus
from portal.payments.refunds import cancel_with_refund
from portal.shipping.models import Shipment
from portal.shipping.status import Destination, ShipmentStatus

log = logging.getLogger(__name__)
UNCOLLECTED = "not collected in time"


def _hash(order: Order, code: str) -> str:
    return hashlib.sha256(f"{order.tracking_token}:{code}".encode()).hexdigest()


def code_matches(order: Order, code: str) -> bool:
    """True when ``code`` is the order's current pickup code (constant-time compare)."""
    code = "".join((code or "").split())
    return bool(order.pickup_code_hash) and hmac.compare_digest(_hash(order, code),
                                                                order.pickup_code_hash)


def max_attempts() -> int:
    return int(current_app.config.get("PICKUP_MAX_ATTEMPTS", 5))


def _new_code(order: Order) -> str:
    """Store a fresh code's hash on ``order`` (attempts reset) and return the code."""
    code = f"{secrets.randbelow(10**6):06d}"
    (Order.update(pickup_code_hash=_hash(order, code), pickup_attempts=0)
     .where(Order.id == order.id).execute())
    order.pickup_code_hash, order.pickup_attempts = _hash(order, code), 0
    return code


def pickup_days() -> int:
    return int(current_app.config.get("PICKUP_DAYS", 7))


def _send_code(order: Order, code: str) -> None:
    queue_order_message(order, PICKUP_READY, ref=order.pickup_code_hash[:12],
                        extra={"pickup_code": code, "pickup_days": pickup_days()})


def make_ready(order: Order, actor) -> Order:
    """Everything waits at the pickup store: ready for pickup, code to the customer
    (inside the caller's transaction)."""
    with transaction():
        code = _new_code(order)
        Order.update(pickup_ready_at=utcnow()).where(Order.id == order.id).execute()
        order = transition_order(order, OrderStatus.READY_FOR_PICKUP, actor,
                                 str(_l("everything waits at the pickup store")))
        _send_code(order, code)
    return order


def send_new_code(order: Order, actor) -> Order:
    """Staff send the customer a new code (lost e-mail, or locked after wrong codes)."""
    if order.status != OrderStatus.READY_FOR_PICKUP:
        raise IllegalTransition(str(_l("Order %(number)s is not ready for pickup.",
                                       number=order.number)))
    with transaction():
        _send_code(order, _new_code(order))
        note_event(order, "pickup_code", actor)
    return order


def uncollected_orders(now: datetime | None = None, days: int | None = None):
    """Click & Collect orders ready longer than ``PICKUP_DAYS``, oldest first."""
    days = days if days is not None else pickup_days()
    cutoff = (now or utcnow()) - timedelta(days=days)
    return (Order.select().where(Order.status == OrderStatus.READY_FOR_PICKUP,
                                 Order.delivery_method == DeliveryMethod.CLICK_COLLECT,
                                 Order.pickup_ready_at < cutoff)
            .order_by(Order.pickup_ready_at))


def expire_uncollected(now: datetime | None = None, days: int | None = None,
                       actor=None) -> list[str]:
    """Cancel every uncollected order (refund, stock back); returns their numbers. An
    order whose refund fails stays ready and is tried again next time."""
    done = []
    for order in uncollected_orders(now, days):
        try:
            cancel_with_refund(order, actor, UNCOLLECTED, also=lambda o=order: _restock(o, actor))
        except DomainError as error:
            log.warning("order %s not cancelled: %s", order.number, error.message)
            continue
        done.append(order.number)
    return done


def _restock(order: Order, actor) -> None:
    """Units sent to the pickup store by other locations become the store's stock."""
    arrived = [f for (f,) in Shipment.select(Shipment.fulfillment)
               .where(Shipment.order == order.id, Shipment.destination == Destination.STORE,
                      Shipment.status == ShipmentStatus.DELIVERED).tuples()]
    if not arrived:
        return
    origins = [location for (location,) in FulfillmentOrder
               .select(FulfillmentOrder.location)
               .where(FulfillmentOrder.id.in_(arrived),
                      FulfillmentOrder.status == FulfillmentStatus.SHIPPED).tuples()]
    rows = (Reservation.select(OrderLine.product, fn.SUM(Reservation.quantity))
            .join(OrderLine)
            .where(OrderLine.order == order.id, Reservation.location.in_(origins),
                   Reservation.status == ReservationStatus.SHIPPED)
            .group_by(OrderLine.product).tuples())
    apply_changes([Change(product_id, order.pickup_location_id, MovementKind.RETURN,
                          on_hand=quantity, reference=order.number, reason=UNCOLLECTED)
                   for product_id, quantity in rows], actor)
