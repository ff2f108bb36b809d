"""Taking payments: start one with a provider's adapter, record one taken in the store,
and apply the provider's verified events. An order is confirmed only by a verified
payment. Refunds and cancelling with a refund live in ``refunds.py``."""

from __future__ import annotations

import json
import secrets

import peewee as pw
from flask_babel import lazy_gettext as _l

from portal.db import transaction, utcnow
from portal.errors import DomainError
from portal.orders.models import Order
from portal.orders.services import cancel_order, transition_order
from portal.orders.status import OrderStatus
from portal.payments.models import Payment, PaymentEvent
from portal.payments.providers import InStoreProvider, MarketplaceProvider, get_provider
from portal.payments.refunds import settle_refund
from portal.payments.status import FINAL, PaymentStatus, RefundStatus

REFUND_EVENT_KINDS = {"refund.succeeded": RefundStatus.SUCCEEDED,
                      "refund.failed": RefundStatus.FAILED}

IN_STORE_METHODS = ("cash", "card_terminal")


class PaymentInvalid(DomainError):
    pass


def _open_payment(order: Order, provider: str, method: str) -> Payment:
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise PaymentInvalid(str(_l("This order does not wait for a payment.")),
                             code="not_payable", status=409)
    # One INSERT: atomic on its own, and it joins the caller's transaction if there is one.
    return Payment.create(order=order, provider=provider, method=method, amount=order.total,
                          currency=order.currency, token=secrets.token_urlsafe(24))


def start_payment(order: Order, provider: str, method: str = "card") -> Payment:
    """A pending payment of the order's total, opened at ``provider`` (its adapter may
    call the provider over the network, so this runs outside any transaction). When the
    provider cannot start it, the attempt is marked failed and the DomainError raised."""
    adapter = get_provider(provider)
    payment = _open_payment(order, provider, method)
    try:
        started = adapter.start(payment)
    except DomainError:
        _set_status(payment, PaymentStatus.FAILED)
        raise
    action = json.dumps(started.next_action) if started.next_action else ""
    if started.reference or action:  # the sandbox says nothing: no write, no re-read
        payment.provider_reference, payment.customer_action = started.reference[:120], action
        payment.updated_at = utcnow()
        Payment.update(provider_reference=payment.provider_reference, customer_action=action,
                       updated_at=payment.updated_at).where(Payment.id == payment.id).execute()
    return payment


def start_order_payment(order: Order, provider: str, actor=None) -> Payment:
    """Start the payment of an order just placed. When the provider cannot start it, the
    order is cancelled at once (its stock is free again) and the error raised, so a
    retry places the order afresh instead of leaving one nobody can pay."""
    try:
        return start_payment(order, provider)
    except DomainError:
        cancel_order(Order.get_by_id(order.id), actor, "payment could not be started")
        raise


def record_in_store_payment(order: Order, method: str, reference: str, user) -> Payment:
    """An employee took the money (cash or card terminal): the order is confirmed. An
    in-store payment the web shop announced is the one completed."""
    if method not in IN_STORE_METHODS:
        raise PaymentInvalid(str(_l("Choose cash or card terminal.")),
                             fields={"method": str(_l("Choose a method"))})
    if method == "card_terminal" and not reference.strip():
        raise PaymentInvalid(str(_l("Enter the card terminal's receipt number.")),
                             fields={"reference": str(_l("Required for card payments"))})
    with transaction():
        payment = (Payment.select().where(Payment.order == order,
                                          Payment.provider == InStoreProvider.name,
                                          Payment.status == PaymentStatus.PENDING)
                   .order_by(Payment.id.desc()).first()
                   or _open_payment(order, InStoreProvider.name, method))
        Payment.update(method=method).where(Payment.id == payment.id).execute()
        _authorize(payment, reference.strip()[:120] or f"cash-{payment.id}", user)
    return Payment.get_by_id(payment.id)


def record_marketplace_payment(order: Order, reference: str, actor=None) -> Payment:
    """The marketplace collected the buyer's money for an order it sold (``reference``:
    its order id): recorded as authorized, which confirms the order."""
    with transaction():
        payment = _open_payment(order, MarketplaceProvider.name, "marketplace")
        _authorize(payment, reference.strip()[:120], actor)
    return Payment.get_by_id(payment.id)


def _set_status(payment: Payment, status: PaymentStatus) -> None:
    Payment.update(status=status, updated_at=utcnow()).where(Payment.id == payment.id).execute()


def _authorize(payment: Payment, reference: str, actor) -> None:
    Payment.update(status=PaymentStatus.AUTHORIZED, provider_reference=reference,
                   updated_at=utcnow()).where(Payment.id == payment.id).execute()
    order = Order.get_by_id(payment.order_id)
    if order.status == OrderStatus.PENDING_PAYMENT:
        provider = get_provider(payment.provider, enabled=False).label
        transition_order(order, OrderStatus.CONFIRMED, actor,
                         str(_l("Paid: %(provider)s, reference %(reference)s",
                                provider=provider, reference=reference)))


def apply_provider_event(provider: str, event_id: str, kind: str, payment_token: str,
                         payload: dict, reference: str = "") -> bool:
    """Apply a verified provider event once; False when it was seen before.

    ``payment.succeeded`` authorizes the payment and confirms the order;
    ``payment.failed`` marks the attempt failed (the order keeps waiting);
    ``payment.requires_action`` notes a pending customer step;
    ``refund.succeeded`` / ``refund.failed`` settle a refund the provider had pending
    (``reference`` is the provider's refund id).
    """
    payment = Payment.get_or_none(Payment.token == payment_token,
                                  Payment.provider == provider)
    try:
        with transaction():
            PaymentEvent.create(provider=provider, event_id=event_id[:120], kind=kind[:40],
                                payment=payment, payload=json.dumps(payload)[:20_000])
            if payment is not None and kind in REFUND_EVENT_KINDS:
                settle_refund(payment, reference, REFUND_EVENT_KINDS[kind], provider)
            if payment is None or payment.status in FINAL:
                return True
            if kind == "payment.succeeded":
                _authorize(payment, reference or event_id, provider)
            elif kind == "payment.failed":
                _set_status(payment, PaymentStatus.FAILED)
            elif kind == "payment.requires_action":
                _set_status(payment, PaymentStatus.REQUIRES_ACTION)
    except pw.IntegrityError:
        return False  # the same event again: already processed
    return True
