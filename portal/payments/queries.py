"""Read models of payments: an order's payments with their refunds, for the order page
and the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from portal.orders.models import Order
from portal.payments.models import Payment, Refund
from portal.payments.refunds import refundable_amount
from portal.payments.status import PaymentStatus


@dataclass
class PaymentView:
    payment: Payment
    refunds: list[Refund] = field(default_factory=list)
    refundable: Decimal = Decimal("0.00")


def order_payments(order: Order) -> list[PaymentView]:
    """The order's payment attempts, oldest first, each with its refunds (oldest first)
    and what may still be refunded."""
    payments = list(Payment.select().where(Payment.order == order).order_by(Payment.id))
    refunds: dict[int, list[Refund]] = {}
    if payments:
        for refund in (Refund.select().where(Refund.payment.in_([p.id for p in payments]))
                       .order_by(Refund.created_at, Refund.id)):
            refunds.setdefault(refund.payment_id, []).append(refund)
    return [PaymentView(p, refunds.get(p.id, []), refundable_amount(p)) for p in payments]


def main_payment(views: list[PaymentView]) -> PaymentView | None:
    """The payment that matters for the customer: the latest that took money, else the
    latest attempt."""
    took_money = [v for v in views
                  if v.payment.status in (PaymentStatus.AUTHORIZED, PaymentStatus.REFUNDED)]
    return (took_money or views or [None])[-1]
