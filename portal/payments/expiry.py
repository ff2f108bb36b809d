"""Unpaid orders give their stock back: when an order's reservation time is over and
no payment arrived, its open payment attempts are stopped at the provider (so the
customer can no longer pay a cancelled order) and the order is cancelled.

Called by ``flask orders expire`` and by the scheduler (issue #9).
"""

from __future__ import annotations

import logging

from portal.db import utcnow
from portal.errors import DomainError
from portal.orders.errors import IllegalTransition
from portal.orders.models import Order
from portal.orders.services import cancel_order
from portal.orders.status import OrderStatus
from portal.payments.refunds import stop_open_attempts
from portal.payments.status import PaymentStatus

log = logging.getLogger(__name__)
EXPIRY_REASON = "payment not received in time"


def expire_unpaid_orders(now=None) -> int:
    """Cancel orders whose payment did not arrive in time; returns how many."""
    now = now or utcnow()
    expired = list(Order.select().where(Order.status == OrderStatus.PENDING_PAYMENT,
                                        Order.reserved_until < now).order_by(Order.id))
    cancelled = 0
    for order in expired:
        try:
            payments = stop_open_attempts(order)
        except DomainError as error:  # the provider refused or is down: try next run
            log.warning("order %s not expired: %s", order.number, error.message)
            continue
        if any(p.status == PaymentStatus.AUTHORIZED for p in payments):
            continue  # paid in the last moment: the webhook confirms it
        try:
            cancel_order(order, None, EXPIRY_REASON)
        except IllegalTransition:
            continue  # paid or cancelled meanwhile
        cancelled += 1
    return cancelled
