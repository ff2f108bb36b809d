"""Giving a received return's money back, to the payment that took it.

``refund_return`` refunds the lines not refunded yet (and the shipping fee when the
return completes the order, ``fees.py``) through the payment's provider, with the
idempotency key ``return-<RMA>`` (after n failed attempts ``return-<RMA>-<n+1>``, so a
retry asks the provider again, ``refund_keys.py``). Only a refund that succeeded is
booked on the return: a request that finds an attempt still at the provider is told
to wait (409) and writes nothing; a provider that answers "pending" (Stripe may) leaves
the return unrefunded until its webhook settles the refund (``refund_settled``, hooked
into ``payments.refunds``). The amount actually refunded is spread over the lines (the
fee first) when the payment had less left than the return is worth.
"""

from __future__ import annotations

import json
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from peewee import fn

from portal.db import serialize_on, transaction
from portal.errors import DomainError
from portal.inventory.models import Product
from portal.orders.models import Order, OrderLine
from portal.orders.services import transition_order
from portal.orders.status import OrderStatus, can_transition
from portal.payments import refunds as payment_refunds
from portal.payments.models import Payment, Refund
from portal.payments.refunds import RefundFailed, RefundInvalid, refund_payment, refundable_amount
from portal.payments.status import RefundStatus
from portal.returns import fees
from portal.returns.models import ReturnEvent, ReturnLine, ReturnOrder
from portal.returns.notify import return_refunded
from portal.returns.refund_keys import of_return, refund_key
from portal.returns.services import ReturnInvalid, add_event
from portal.returns.status import ReturnStatus

CENT = Decimal("0.01")


def _lines(rma_id: int) -> list[ReturnLine]:
    return list(ReturnLine.select(ReturnLine, OrderLine, Product)
                .join(OrderLine).join(Product)
                .where(ReturnLine.return_order == rma_id).order_by(ReturnLine.id))


def _value(line: ReturnLine) -> Decimal:
    return (Decimal(line.order_line.unit_price) * line.quantity).quantize(CENT)


def refund_due(rma: ReturnOrder) -> Decimal:
    """The value of the lines not refunded yet, plus the shipping fee when it goes back
    with this return."""
    return sum((_value(line) for line in _lines(rma.id) if line.refund_amount is None),
               fees.fee_due(rma))


def refund_return(rma: ReturnOrder, actor) -> Refund | None:
    """Refund what ``rma`` still owes (see the module docstring); None when nothing is
    owed. RefundFailed when the provider refuses (the return stays unrefunded, a retry
    asks again); RefundInvalid (409) while an attempt is still at the provider."""
    rma = ReturnOrder.get_by_id(rma.id)
    if rma.status != ReturnStatus.RECEIVED:
        raise ReturnInvalid(str(_l("Return %(number)s is refunded once it is received.",
                                   number=rma.number)))
    lines = [line for line in _lines(rma.id) if line.refund_amount is None]
    value = sum((_value(line) for line in lines), Decimal("0.00"))
    fee = fees.fee_due(rma)
    if not (lines or fee) or value + fee <= 0:
        return None
    key = _refund_key(rma)
    earlier = Refund.get_or_none(Refund.idempotency_key == key)
    if earlier is not None and earlier.status == RefundStatus.PENDING:
        return _still_pending(rma, earlier)
    payment = Payment.get_by_id(earlier.payment_id) if earlier else _payment(rma)
    if payment is None and (earlier := Refund.get_or_none(Refund.idempotency_key == key)):
        return _still_pending(rma, earlier)  # another clerk's attempt took what was left
    if payment is None:
        raise RefundFailed(str(_l("Order %(number)s has no payment left to refund.",
                                  number=rma.order.number)))
    amount = value + fee if earlier else min(value + fee, refundable_amount(payment))
    parts = [{"line_no": line.order_line.line_no, "quantity": line.quantity}
             for line in lines]
    if fee:
        parts.append(fees.refund_entry(fee, amount, value))
    try:
        refund = refund_payment(payment, amount, rma.number, actor, key=key,
                                lines=parts)
    except DomainError:  # the provider refused: recorded as failed, said as RefundFailed
        refund = Refund.get_or_none(Refund.idempotency_key == key)
        if refund is None or refund.status != RefundStatus.FAILED:
            raise
    if refund.status == RefundStatus.FAILED:
        add_event(rma, "refund_failed", actor, refund.note)
        raise RefundFailed(refund.note or str(_l("The refund failed.")))
    if refund.status == RefundStatus.PENDING:
        return _still_pending(rma, refund, actor)
    _record_refund(rma, refund, actor)
    return refund


def _still_pending(rma: ReturnOrder, refund: Refund, actor=None) -> Refund:
    """An attempt the provider has not finished: nothing is booked on the return yet."""
    if not refund.provider_reference:  # another request is asking the provider right now
        raise RefundInvalid(str(_l("A refund of %(number)s is under way. Try again in a "
                                   "moment.", number=rma.number)),
                            code="refund_in_progress", status=409)
    if actor is not None:
        add_event(rma, "refund_pending", actor, refund.provider_reference)
    return refund


def _refund_key(rma: ReturnOrder) -> str:
    key = refund_key(rma.number)
    failed = (Refund.select().where(of_return(rma.number),
                                    Refund.status == RefundStatus.FAILED).count())
    return f"{key}-{failed + 1}" if failed else key


def _payment(rma: ReturnOrder) -> Payment | None:
    """The payment the money goes back to: the order's with the most left to refund."""
    payments = [(refundable_amount(p), p.id, p)
                for p in Payment.select().where(Payment.order == rma.order_id)]
    payments = [entry for entry in payments if entry[0] > 0]
    return max(payments)[2] if payments else None


def _record_refund(rma: ReturnOrder, refund: Refund, actor) -> None:
    """Book a succeeded ``refund`` on the return: the lines it names get their share of
    what was refunded (after the fee it carries), the total and the timeline follow,
    the customer is told, and the order is ``returned`` once every unit came back."""
    named = {(part.get("line_no"), part.get("quantity"))
             for part in json.loads(refund.lines or "[]") if isinstance(part, dict)}
    fee = fees.fee_part(refund) or Decimal("0.00")
    left = Decimal(refund.amount) - fee
    marker = json.dumps({"refund": refund.id})[1:-1]  # '"refund": 12' in the event's note
    with transaction():
        serialize_on(f"refund-{refund.id}")  # two requests booking one refund: once
        if ReturnEvent.select().where(ReturnEvent.return_order == rma.id,
                                      ReturnEvent.kind == "refunded",
                                      ReturnEvent.note.contains(marker)).exists():
            return
        for line in _lines(rma.id):
            if line.refund_amount is not None or \
                    (line.order_line.line_no, line.quantity) not in named:
                continue
            share = min(_value(line), max(left, Decimal("0.00")))
            left -= share
            (ReturnLine.update(refund_amount=share)
             .where(ReturnLine.id == line.id, ReturnLine.refund_amount.is_null()).execute())
        total = (ReturnLine.select(fn.SUM(ReturnLine.refund_amount))
                 .where(ReturnLine.return_order == rma.id).scalar())
        total = Decimal(str(total or 0)).quantize(CENT) + fees.fee_refunded_on(rma)
        ReturnOrder.update(refund_total=total).where(ReturnOrder.id == rma.id).execute()
        return_refunded(rma, refund)  # the customer's e-mail, with this transaction
        add_event(rma, "refunded", actor, json.dumps({"amount": str(refund.amount),
                                                      "refund": refund.id,
                                                      "status": refund.status}))
        if fees.fee_part(refund):
            add_event(rma, "shipping_fee_refunded", actor, json.dumps({"amount": str(fee)}))
        order = Order.get_by_id(rma.order_id)
        if fees.fully_received(order.id) and can_transition(order.status,
                                                             OrderStatus.RETURNED):
            transition_order(order, OrderStatus.RETURNED, actor, rma.number)


def refund_settled(refund: Refund, actor) -> None:
    """A provider settled a pending refund later (its webhook): a return's refund that
    succeeded is booked now, one that failed is noted and may be retried."""
    key = refund.idempotency_key or ""
    if not key.startswith("return-"):
        return
    # return-RMA-2026-000123 or, for a retry, return-RMA-2026-000123-2
    number = "-".join(key.removeprefix("return-").split("-")[:3])
    rma = ReturnOrder.get_or_none(ReturnOrder.number == number)
    if rma is None:
        return
    if refund.status == RefundStatus.SUCCEEDED:
        _record_refund(rma, refund, actor)
    elif refund.status == RefundStatus.FAILED:
        add_event(rma, "refund_failed", actor, refund.note)


payment_refunds.settled_listeners.append(refund_settled)
