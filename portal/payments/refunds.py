"""Refunds through the adapter that took the payment, and cancelling a paid order.

A refund is recorded as ``pending`` first (in a transaction that locks its payment, so
two refunds can never together give back more than was paid), then the provider is asked
outside any transaction, then the refund is marked succeeded or failed. Its idempotency
key makes a retry return the same refund without asking the provider again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import peewee as pw
from flask_babel import format_currency
from flask_babel import lazy_gettext as _l

from portal.audit.services import actor_label
from portal.db import transaction, utcnow
from portal.errors import DomainError
from portal.orders.errors import IllegalTransition
from portal.orders.models import Order, OrderEvent
from portal.orders.services import cancel_order
from portal.orders.status import OrderStatus, can_transition
from portal.payments.labels import REFUND_STATUS_LABELS
from portal.payments.models import Payment, Refund
from portal.payments.providers import get_provider
from portal.payments.status import HOLDS_REFUND, PaymentStatus, RefundStatus

log = logging.getLogger(__name__)

CENT = Decimal("0.01")
OPEN = (PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION, PaymentStatus.FAILED)


class RefundInvalid(DomainError):
    code = "refund_invalid"
    status = 422


class RefundFailed(DomainError):
    """The provider did not refund; the refund is recorded as failed."""

    code = "refund_failed"
    status = 502


def _refund_sum(payment: Payment, statuses) -> Decimal:
    total = (Refund.select(pw.fn.SUM(Refund.amount))
             .where(Refund.payment == payment.id, Refund.status.in_(list(statuses))).scalar())
    # SQLite sums NUMERIC columns as floats: back to cents through the text form.
    return Decimal(str(total or 0)).quantize(CENT)


def refunded_amount(payment: Payment) -> Decimal:
    """What was refunded of ``payment`` or is on its way back (pending)."""
    return _refund_sum(payment, HOLDS_REFUND)


def refundable_amount(payment: Payment) -> Decimal:
    """What may still be refunded of ``payment`` (nothing unless it is authorized)."""
    if payment.status != PaymentStatus.AUTHORIZED:
        return Decimal("0.00")
    return max(Decimal(payment.amount) - refunded_amount(payment), Decimal("0.00"))


def _amount(value) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        amount = Decimal(0)
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        raise RefundInvalid(str(_l("Enter an amount above zero with at most two decimals.")),
                            fields={"amount": str(_l("Above zero, at most two decimals"))})
    return amount


def refund_payment(payment: Payment, amount, reason: str, actor, key: str,
                   lines: list | None = None) -> Refund:
    """Give ``amount`` of an authorized payment back through its provider, once per ``key``.

    The same ``key`` again returns that refund as it stands, whatever its status, and
    asks the provider nothing. A refund above what is left of the payment is refused
    with nothing written. When the provider fails or refuses, the refund is recorded as
    failed and the provider's error raised; the payment becomes ``refunded`` once its
    succeeded refunds add up to the amount paid.
    """
    key = (key or "").strip()
    if not key or len(key) > 120:
        raise RefundInvalid(str(_l("A refund needs an idempotency key of 1 to 120 "
                                   "characters.")), fields={"key": "1-120"})
    existing = Refund.get_or_none(Refund.idempotency_key == key)
    if existing is not None:
        return _replay(existing, payment)
    amount = _amount(amount)
    adapter = get_provider(payment.provider, enabled=False)
    try:
        with transaction():
            refund = _record_pending(payment, amount, reason, actor, key, lines)
    except pw.IntegrityError:  # the same key in a concurrent request
        return _replay(Refund.get(Refund.idempotency_key == key), payment)
    try:
        result = adapter.refund(Payment.get_by_id(payment.id), refund)
    except DomainError as error:
        _finish(refund, RefundStatus.FAILED, note=error.message)
        raise
    except Exception as error:  # a bug in an adapter must not leave the refund pending
        log.exception("refund %s through %s failed", refund.id, payment.provider)
        message = str(_l("The payment provider failed; nothing was refunded."))
        _finish(refund, RefundStatus.FAILED, note=message)
        raise RefundFailed(message) from error
    _finish(refund, result.status, result.reference, result.note)
    return Refund.get_by_id(refund.id)


def _replay(refund: Refund, payment: Payment) -> Refund:
    if refund.payment_id != payment.id:
        raise RefundInvalid(str(_l("This idempotency key belongs to another refund.")),
                            code="idempotency_key_reused", fields={"key": "in use"})
    return refund


def _record_pending(payment: Payment, amount: Decimal, reason: str, actor, key: str,
                    lines: list | None) -> Refund:
    # Touching the payment first locks its row (PostgreSQL) or the database (SQLite's
    # BEGIN IMMEDIATE), so concurrent refunds of one payment are checked one by one.
    locked = (Payment.update(updated_at=utcnow())
              .where(Payment.id == payment.id, Payment.status == PaymentStatus.AUTHORIZED)
              .execute())
    if not locked:
        raise RefundInvalid(str(_l("Only a payment that went through can be refunded, and "
                                   "only until it is refunded in full.")),
                            code="not_refundable", status=409)
    fresh = Payment.get_by_id(payment.id)
    left = refundable_amount(fresh)
    if amount > left:
        limit = format_currency(left, fresh.currency)
        raise RefundInvalid(str(_l("At most %(amount)s of this payment can still be refunded.",
                                   amount=limit)),
                            code="refund_too_large", status=409, fields={"amount": limit})
    return Refund.create(payment=fresh, amount=amount, currency=fresh.currency,
                         reason=(reason or "").strip()[:200], idempotency_key=key,
                         actor=actor_label(actor)[:160],
                         lines=json.dumps(lines) if lines else "")


def _finish(refund: Refund, status: RefundStatus, reference: str = "", note: str = "") -> None:
    with transaction():
        (Refund.update(status=status, provider_reference=reference[:120], note=note,
                       updated_at=utcnow())
         .where(Refund.id == refund.id, Refund.status == RefundStatus.PENDING).execute())
        _after_change(Refund.get_by_id(refund.id))


# Called with (refund, actor) when a provider settles a refund it had left pending, inside
# that transaction: domains that book refunds elsewhere (returns) register here.
settled_listeners: list[Callable[[Refund, object], None]] = []


def settle_refund(payment: Payment, reference: str, status: RefundStatus, actor) -> None:
    """A provider's later word on a refund it had left pending (from a verified webhook)."""
    if not reference:
        return
    with transaction():
        changed = (Refund.update(status=status, updated_at=utcnow())
                   .where(Refund.payment == payment.id, Refund.provider_reference == reference,
                          Refund.status == RefundStatus.PENDING).execute())
        if changed:
            refund = Refund.get(Refund.payment == payment.id,
                                Refund.provider_reference == reference)
            _after_change(refund, actor)
            for listener in settled_listeners:
                listener(refund, actor)


def _after_change(refund: Refund, actor=None) -> None:
    """Note the refund on the order's timeline; a payment refunded in full says so."""
    payment = Payment.get_by_id(refund.payment_id)
    if refund.status == RefundStatus.SUCCEEDED and \
            _refund_sum(payment, [RefundStatus.SUCCEEDED]) >= payment.amount:
        (Payment.update(status=PaymentStatus.REFUNDED, updated_at=utcnow())
         .where(Payment.id == payment.id).execute())
    kind = "refund_failed" if refund.status == RefundStatus.FAILED else "refund"
    # Written in the words of whoever caused it (like the other timeline notes): the
    # amount as money, the provider by its name, "pending" translated.
    pending = REFUND_STATUS_LABELS["pending"] if refund.status == RefundStatus.PENDING else ""
    note = " · ".join(str(part) for part in (
        format_currency(refund.amount, refund.currency), pending,
        get_provider(payment.provider, enabled=False).label, refund.provider_reference,
        refund.reason) if part)
    OrderEvent.create(order=payment.order_id, kind=kind, actor=actor_label(actor or
                                                                            refund.actor),
                      note=note)


def stop_open_attempts(order: Order) -> list[Payment]:
    """Void every payment attempt of ``order`` that is not paid yet, at its provider and
    here, so the customer can no longer pay; returns all its payments freshly read (one
    may have been paid meanwhile). Raises the provider's error when it refuses."""
    payments = list(Payment.select().where(Payment.order == order).order_by(Payment.id))
    for payment in payments:
        if payment.status in OPEN:
            get_provider(payment.provider, enabled=False).void(payment)
            (Payment.update(status=PaymentStatus.CANCELLED, updated_at=utcnow())
             .where(Payment.id == payment.id, Payment.status.in_(list(OPEN))).execute())
    return [Payment.get_by_id(payment.id) for payment in payments]


def cancel_with_refund(order: Order, actor=None, reason: str = "",
                       also: Callable[[], None] | None = None) -> list[Refund]:
    """Cancel an order and give its stock back; money it took goes back first, in full,
    through the provider that took it, and open payment attempts are stopped so the
    customer can no longer pay. When a provider fails, the order stays as it was and the
    provider's error is raised. ``also`` runs in the cancelling transaction (e.g. units
    that waited for pickup go back on the shelf). Returns the refunds made (their notes
    tell the clerk what to hand back)."""
    if not can_transition(order.status, OrderStatus.CANCELLED):
        raise IllegalTransition(str(_l("An order in status %(current)s cannot become "
                                       "%(target)s.", current=order.status,
                                       target=OrderStatus.CANCELLED)))
    payments = stop_open_attempts(order)
    refunds = [_refund_in_full(payment, actor, reason) for payment in payments
               if payment.status == PaymentStatus.AUTHORIZED]
    refunds = [refund for refund in refunds if refund is not None]
    try:
        with transaction():
            cancel_order(order, actor, reason)
            if also is not None:
                also()
    except IllegalTransition as error:
        if not refunds:
            raise
        raise IllegalTransition(str(_l("The payment was refunded, but the order changed "
                                       "meanwhile and was not cancelled. Reload it."))
                                ) from error
    return refunds


def _refund_in_full(payment: Payment, actor, reason: str) -> Refund | None:
    in_flight = (Refund.select().where(Refund.payment == payment.id,
                                       Refund.status == RefundStatus.PENDING,
                                       Refund.provider_reference == "").exists())
    if in_flight:
        raise RefundInvalid(str(_l("A refund of this payment is under way. Try again in a "
                                   "moment.")), code="refund_in_progress", status=409)
    left = refundable_amount(payment)
    if left <= 0:
        return None
    # One key per attempt: a retry after a failure asks the provider again, a double
    # click while the first request runs finds the refund above and stops.
    failed = Refund.select().where(Refund.payment == payment.id,
                                   Refund.status == RefundStatus.FAILED).count()
    refund = refund_payment(payment, left, reason or "order cancelled", actor,
                            key=f"cancel-{payment.token}-{failed}")
    if refund.status == RefundStatus.FAILED:
        raise RefundFailed(refund.note or str(_l("The refund failed.")))
    if refund.status == RefundStatus.PENDING and not refund.provider_reference:
        raise RefundInvalid(str(_l("A refund of this payment is under way. Try again in a "
                                   "moment.")), code="refund_in_progress", status=409)
    return refund
