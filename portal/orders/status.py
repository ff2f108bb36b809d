"""Order states, delivery methods and the transitions an order may take."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    CONFIRMED = "confirmed"
    IN_FULFILMENT = "in_fulfilment"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    READY_FOR_PICKUP = "ready_for_pickup"  # Click & Collect: every part waits at the store
    DELIVERED = "delivered"
    COLLECTED = "collected"
    CANCELLED = "cancelled"
    RETURNED = "returned"


class DeliveryMethod(StrEnum):
    HOME = "home"
    CLICK_COLLECT = "click_collect"
    LOCKER = "locker"
    CARRY_OUT = "carry_out"  # an in-store sale the customer takes along


class ReservationStatus(StrEnum):
    ACTIVE = "active"
    RELEASED = "released"
    SHIPPED = "shipped"
    HANDED_OVER = "handed_over"  # the customer took the units along at the counter
    PROMISED = "promised"        # units of an incoming delivery, active once received


S = OrderStatus
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_PAYMENT: frozenset({S.CONFIRMED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.IN_FULFILMENT, S.COLLECTED, S.CANCELLED}),
    S.IN_FULFILMENT: frozenset({S.PARTIALLY_SHIPPED, S.SHIPPED, S.READY_FOR_PICKUP,
                                S.COLLECTED, S.CANCELLED}),
    S.PARTIALLY_SHIPPED: frozenset({S.SHIPPED}),
    # Uncollected after PICKUP_DAYS: cancelled, refunded, the units back in stock.
    S.READY_FOR_PICKUP: frozenset({S.COLLECTED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.COLLECTED, S.RETURNED}),
    S.DELIVERED: frozenset({S.RETURNED}),
    S.COLLECTED: frozenset({S.RETURNED}),
    S.CANCELLED: frozenset(),
    S.RETURNED: frozenset(),
}

# While an order is in one of these, its reservations hold stock.
HOLDS_STOCK = frozenset({S.PENDING_PAYMENT, S.CONFIRMED, S.IN_FULFILMENT, S.PARTIALLY_SHIPPED,
                         S.READY_FOR_PICKUP})


def can_transition(current: str, target: str) -> bool:
    """True when ``status.py`` allows moving from ``current`` to ``target``."""
    return OrderStatus(target) in TRANSITIONS[OrderStatus(current)]
