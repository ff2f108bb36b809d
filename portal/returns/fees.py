"""The shipping fee's part of a return's refund.

A full withdrawal gives the original delivery costs back: the order's shipping fee is
refunded once, with the return that makes the order completely returned (every unit of
every line on a received return; of several, the one received last). A partial return
refunds only its lines. The fee travels as its own part of the refund,
``{"shipping_fee": "4.95"}`` in the refund's ``lines`` JSON, which is also how a later
refund sees that it went back already (a failed refund does not count).
"""

from __future__ import annotations

import json
from decimal import Decimal

from peewee import fn

from portal.orders.models import Order, OrderLine
from portal.payments.models import Payment, Refund
from portal.payments.status import RefundStatus
from portal.returns.models import ReturnLine, ReturnOrder
from portal.returns.refund_keys import of_return
from portal.returns.status import ReturnStatus

FEE_KEY = "shipping_fee"
ZERO = Decimal("0.00")


def fee_part(refund: Refund) -> Decimal | None:
    """The shipping fee ``refund`` carries (None: it carries none)."""
    try:
        parts = json.loads(refund.lines or "[]")
    except ValueError:
        return None
    for part in parts if isinstance(parts, list) else [parts]:
        if isinstance(part, dict) and FEE_KEY in part:
            return Decimal(str(part[FEE_KEY]))
    return None


def refund_entry(fee: Decimal, amount: Decimal, lines_value: Decimal) -> dict:
    """The refund's ``lines`` entry for a due ``fee``: what ``amount`` covers beyond the
    lines (less than the fee only when the payment had less left)."""
    covered = min(fee, max(amount - lines_value, ZERO))
    return {FEE_KEY: f"{covered:.2f}"}


def fully_received(order_id: int) -> bool:
    """Whether every unit of every line of the order is on a received return."""
    back = dict(ReturnLine.select(ReturnLine.order_line, fn.SUM(ReturnLine.quantity))
                .join(ReturnOrder)
                .where(ReturnOrder.order == order_id,
                       ReturnOrder.status == ReturnStatus.RECEIVED)
                .group_by(ReturnLine.order_line).tuples())
    lines = list(OrderLine.select(OrderLine.id, OrderLine.quantity)
                 .where(OrderLine.order == order_id).tuples())
    return bool(lines) and all(int(back.get(line_id, 0)) >= quantity
                               for line_id, quantity in lines)


def completes_order(rma: ReturnOrder) -> bool:
    """Whether ``rma`` is the return that made its order completely returned."""
    if rma.status != ReturnStatus.RECEIVED or not fully_received(rma.order_id):
        return False
    last = (ReturnOrder.select(ReturnOrder.id)
            .where(ReturnOrder.order == rma.order_id,
                   ReturnOrder.status == ReturnStatus.RECEIVED)
            .order_by(ReturnOrder.received_at.desc(), ReturnOrder.id.desc()).first())
    return last is not None and last.id == rma.id


def _fee_refunded(order_id: int) -> bool:
    """Whether a refund that did not fail carries the order's shipping fee already."""
    refunds = (Refund.select(Refund.lines).join(Payment)
               .where(Payment.order == order_id, Refund.status != RefundStatus.FAILED,
                      Refund.lines.contains(f'"{FEE_KEY}"')))
    return any(fee_part(refund) is not None for refund in refunds)


def fee_due(rma: ReturnOrder) -> Decimal:
    """The shipping fee ``rma``'s refund gives back (0.00 unless it completes the order
    and the fee has not gone back yet)."""
    # SQLite may answer NUMERIC as a float: to cents through the text form.
    fee = Decimal(str(Order.select(Order.shipping_fee).where(Order.id == rma.order_id)
                      .scalar() or 0)).quantize(ZERO)
    if fee <= 0 or not completes_order(rma) or _fee_refunded(rma.order_id):
        return ZERO
    return fee


def fee_refunded_on(rma: ReturnOrder) -> Decimal:
    """The shipping fee the refunds of ``rma`` carried (those that did not fail)."""
    refunds = (Refund.select(Refund.lines)
               .where(of_return(rma.number), Refund.status != RefundStatus.FAILED))
    return sum((part for part in map(fee_part, refunds) if part is not None), ZERO)
