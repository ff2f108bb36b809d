"""Taking payments: start one with a provider, record one taken in the store, and apply
the provider's verified events. An order is confirmed only by a verified payment."""

from __future__ import annotations

import json
import secrets

import peewee as pw
from flask_babel import lazy_gettext as _l

from portal.db import transaction, utcnow
from portal.errors import DomainError
from portal.orders.models import Order
from portal.orders.services import transition_order
from portal.orders.status import OrderStatus
from portal.payments.models import Payment, PaymentEvent
from portal.payments.status import FINAL, PaymentStatus

IN_STORE_METHODS = ("cash", "card_terminal")


class PaymentInvalid(DomainError):
    pass


def start_payment(order: Order, provider: str, method: str = "card") -> Payment:
    """A pending payment of the order's total with ``provider``."""
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise PaymentInvalid(str(_l("This order does not wait for a payment.")),
                             code="not_payable", status=409)
    with transaction():
        return Payment.create(order=order, provider=provider, method=method,
                              amount=order.total, currency=order.currency,
                              token=secrets.token_urlsafe(24))


def record_in_store_payment(order: Order, method: str, reference: str, user) -> Payment:
    """An employee took the money (cash or card terminal): the order is confirmed."""
    if method not in IN_STORE_METHODS:
        raise PaymentInvalid(str(_l("Choose cash or card terminal.")),
                             fields={"method": str(_l("Choose a method"))})
    if method == "card_terminal" and not reference.strip():
        raise PaymentInvalid(str(_l("Enter the card terminal's receipt number.")),
                             fields={"reference": str(_l("Required for card payments"))})
    with transaction():
        payment = start_payment(order, "in_store", method)
        _authorize(payment, reference.strip()[:120] or f"cash-{payment.id}", user)
    return payment


def _authorize(payment: Payment, reference: str, actor) -> None:
    Payment.update(status=PaymentStatus.AUTHORIZED, provider_reference=reference,
                   updated_at=utcnow()).where(Payment.id == payment.id).execute()
    order = Order.get_by_id(payment.order_id)
    if order.status == OrderStatus.PENDING_PAYMENT:
        transition_order(order, OrderStatus.CONFIRMED, actor,
                         f"paid: {payment.provider} {reference}")


def apply_provider_event(provider: str, event_id: str, kind: str, payment_token: str,
                         payload: dict, reference: str = "") -> bool:
    """Apply a verified provider event once; False when it was seen before.

    ``payment.succeeded`` authorizes the payment and confirms the order;
    ``payment.failed`` marks the attempt failed (the order keeps waiting);
    ``payment.requires_action`` notes a pending customer step.
    """
    payment = Payment.get_or_none(Payment.token == payment_token,
                                  Payment.provider == provider)
    try:
        with transaction():
            PaymentEvent.create(provider=provider, event_id=event_id[:120], kind=kind[:40],
                                payment=payment, payload=json.dumps(payload)[:20_000])
            if payment is None or payment.status in FINAL:
                return True
            if kind == "payment.succeeded":
                _authorize(payment, reference or event_id, provider)
            elif kind == "payment.failed":
                Payment.update(status=PaymentStatus.FAILED, updated_at=utcnow()).where(
                    Payment.id == payment.id).execute()
            elif kind == "payment.requires_action":
                Payment.update(status=PaymentStatus.REQUIRES_ACTION, updated_at=utcnow()).where(
                    Payment.id == payment.id).execute()
    except pw.IntegrityError:
        return False  # the same event again: already processed
    return True


def ensure_cancellable(order: Order) -> None:
    """Refuse to cancel an order whose payment went through: the money would stay with
    the shop. Refunds through the provider will lift this (issue #5, refunds)."""
    paid = (Payment.select().where(Payment.order == order,
                                   Payment.status == PaymentStatus.AUTHORIZED).exists())
    if paid:
        raise PaymentInvalid(str(_l("This order is paid. It can only be cancelled together "
                                    "with a refund, which the portal cannot issue yet.")),
                             code="paid", status=409)
