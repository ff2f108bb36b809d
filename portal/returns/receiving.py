"""Receiving a return and giving the money back.

``receive_return`` inspects every line (condition new / opened / damaged), lets the
restock rules decide where each unit goes (``restock.decide``) and books it, in one
transaction: back on the shelf here (a ``return`` movement with the rule's reason),
on to the location that needs it (booked here, then an approved transfer there), or
refurbish / scrap (not sellable: no stock). ``refund_return`` then refunds the lines'
value through the provider that took the payment, once per RMA (its idempotency key is
``return-<RMA>``): a repeated call returns the same refund. A counter return
(``take_back_at_counter``) is registered, received and refunded in one go.
"""

from __future__ import annotations

import json
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from peewee import fn

from portal.db import transaction, utcnow
from portal.errors import DomainError
from portal.inventory.errors import InsufficientStock
from portal.inventory.models import Product
from portal.inventory.services import Change, apply_changes
from portal.inventory.status import MovementKind
from portal.locations.models import Location
from portal.orders.models import Order, OrderLine
from portal.orders.services import transition_order
from portal.orders.status import OrderStatus, can_transition
from portal.payments.models import Payment, Refund
from portal.payments.refunds import RefundFailed, refund_payment, refundable_amount
from portal.payments.status import RefundStatus
from portal.returns import restock
from portal.returns.models import ReturnLine, ReturnOrder
from portal.returns.notify import return_refunded
from portal.returns.refund_keys import of_return, refund_key
from portal.returns.services import (
    ReturnInvalid,
    ReturnRequest,
    add_event,
    register_return,
    returnable,
)
from portal.returns.status import Condition, Disposition, DropOff, ReturnStatus
from portal.returns.transfers import create_transfer

CENT = Decimal("0.01")


def _lines(rma: ReturnOrder) -> list[ReturnLine]:
    return list(ReturnLine.select(ReturnLine, OrderLine, Product)
                .join(OrderLine).join(Product)
                .where(ReturnLine.return_order == rma.id).order_by(ReturnLine.id))


def receive_return(rma: ReturnOrder, location: Location, conditions: dict[int, str], actor,
                   notes: dict[int, str] | None = None) -> ReturnOrder:
    """Inspect and book every line of ``rma`` at ``location`` (see the module
    docstring); ``conditions``: return line id → Condition. Refunds nothing itself."""
    notes = notes or {}
    lines = _lines(rma)
    errors = {f"lines.{line.id}.condition": str(_l("Choose new, opened or damaged."))
              for line in lines if conditions.get(line.id) not in set(Condition)}
    if errors:
        raise ReturnInvalid(str(_l("Inspect every line.")), fields=errors)
    rules = restock.active_rules()
    with transaction():
        moved = (ReturnOrder.update(status=ReturnStatus.RECEIVED, location=location.id,
                                    received_at=utcnow(), updated_at=utcnow())
                 .where(ReturnOrder.id == rma.id,
                        ReturnOrder.status.in_([ReturnStatus.REQUESTED,
                                                ReturnStatus.IN_TRANSIT])).execute())
        if moved != 1:
            raise ReturnInvalid(str(_l("Return %(number)s was received or cancelled already.",
                                       number=rma.number)))
        for line in lines:
            condition = conditions[line.id]
            decision = restock.decide(line.order_line.product, condition, location, rules)
            target = _book(rma, line, location, decision, actor)
            (ReturnLine.update(condition=condition, disposition=target[0],
                               target=target[1].id if target[1] else None,
                               note=(notes.get(line.id) or decision.reason)[:200])
             .where(ReturnLine.id == line.id).execute())
        add_event(rma, "received", actor, location.code)
    return ReturnOrder.get_by_id(rma.id)


def _book(rma: ReturnOrder, line: ReturnLine, here: Location, decision: restock.Decision,
          actor) -> tuple[str, Location | None]:
    """Move the line's units as decided; (disposition, where they are) as it turned out."""
    product, quantity = line.order_line.product, line.quantity
    if decision.disposition not in (Disposition.RESTOCK, Disposition.TRANSFER):
        return decision.disposition, None
    apply_changes([Change(product.id, here.id, MovementKind.RETURN, on_hand=quantity,
                          reference=rma.number, reason=decision.reason[:200])], actor)
    if decision.disposition == Disposition.TRANSFER:
        try:
            with transaction():  # a savepoint: a refused transfer leaves the units here
                create_transfer(here, decision.target, [(product, quantity)], actor,
                                reason=f"{rma.number}: {decision.reason}")
            return Disposition.TRANSFER, decision.target
        except InsufficientStock:
            return Disposition.RESTOCK, here  # safety stock here keeps them
    return Disposition.RESTOCK, here


def refund_due(rma: ReturnOrder) -> Decimal:
    """The value of the lines not refunded yet (unit price × quantity)."""
    return sum((Decimal(line.order_line.unit_price) * line.quantity
                for line in _lines(rma) if line.refund_amount is None), Decimal("0.00"))


def refund_return(rma: ReturnOrder, actor) -> Refund | None:
    """Refund ``rma``'s lines to the original payment, once (see the module docstring);
    RefundFailed when the provider refuses (the return stays received, unrefunded)."""
    rma = ReturnOrder.get_by_id(rma.id)
    if rma.status != ReturnStatus.RECEIVED:
        raise ReturnInvalid(str(_l("Return %(number)s is refunded once it is received.",
                                   number=rma.number)))
    lines = [line for line in _lines(rma) if line.refund_amount is None]
    amount = sum((Decimal(line.order_line.unit_price) * line.quantity for line in lines),
                 Decimal("0.00")).quantize(CENT)
    if not lines or amount <= 0:
        return None
    key = _refund_key(rma)
    earlier = Refund.get_or_none(Refund.idempotency_key == key)
    payment = Payment.get_by_id(earlier.payment_id) if earlier else _payment(rma)
    if payment is None:
        raise RefundFailed(str(_l("Order %(number)s has no payment left to refund.",
                                  number=rma.order.number)))
    if earlier is None:
        amount = min(amount, refundable_amount(payment))
    try:
        refund = refund_payment(payment, amount, f"return {rma.number}", actor, key=key,
                                lines=[{"line_no": line.order_line.line_no,
                                        "quantity": line.quantity} for line in lines])
    except DomainError:  # the provider refused: recorded as failed, said as RefundFailed
        refund = Refund.get_or_none(Refund.idempotency_key == key)
        if refund is None or refund.status != RefundStatus.FAILED:
            raise
    if refund.status == RefundStatus.FAILED:
        add_event(rma, "refund_failed", actor, refund.note)
        raise RefundFailed(refund.note or str(_l("The refund failed.")))
    _record_refund(rma, lines, refund, actor)
    return refund


def _refund_key(rma: ReturnOrder) -> str:
    """``return-<RMA>``; after n failed attempts ``return-<RMA>-<n+1>``, so a retry asks
    the provider again while a repeat of a pending or succeeded one replays it."""
    key = refund_key(rma.number)
    failed = (Refund.select().where(of_return(rma.number),
                                    Refund.status == RefundStatus.FAILED).count())
    return f"{key}-{failed + 1}" if failed else key


def _payment(rma: ReturnOrder) -> Payment | None:
    """The payment the money goes back to: the order's with the most left to refund (a
    replayed refund is found by its key before this matters)."""
    payments = list(Payment.select().where(Payment.order == rma.order_id))
    payments = [(refundable_amount(p), p.id, p) for p in payments]
    payments = [entry for entry in payments if entry[0] > 0]
    return max(payments)[2] if payments else None


def _record_refund(rma: ReturnOrder, lines: list[ReturnLine], refund: Refund, actor) -> None:
    with transaction():
        for line in lines:
            (ReturnLine.update(refund_amount=Decimal(line.order_line.unit_price) * line.quantity)
             .where(ReturnLine.id == line.id, ReturnLine.refund_amount.is_null()).execute())
        total = (ReturnLine.select(fn.SUM(ReturnLine.refund_amount))
                 .where(ReturnLine.return_order == rma.id).scalar())
        (ReturnOrder.update(refund_total=Decimal(str(total or 0)).quantize(CENT))
         .where(ReturnOrder.id == rma.id).execute())
        return_refunded(rma, refund)  # the customer's e-mail, with this transaction
        add_event(rma, "refunded", actor, json.dumps({"amount": str(refund.amount),
                                                      "status": refund.status}))
        order = Order.get_by_id(rma.order_id)
        if not any(returnable(order).values()) and can_transition(order.status,
                                                                   OrderStatus.RETURNED):
            transition_order(order, OrderStatus.RETURNED, actor, rma.number)


def take_back_at_counter(request: ReturnRequest, store: Location, conditions_by_line_no:
                         dict[int, str], actor) -> tuple[ReturnOrder, Refund | None]:
    """A customer hands a return in at ``store``: registered, received and refunded
    at once; ``conditions_by_line_no``: order line number → Condition."""
    request.drop_off, request.location = DropOff.STORE, store.code
    with transaction():  # registered and received together, or not at all
        rma = register_return(request, actor, via="counter")
        by_line = {line.id: conditions_by_line_no.get(line.order_line.line_no, "")
                   for line in _lines(rma)}
        rma = receive_return(rma, store, by_line, actor)
    try:
        return rma, refund_return(rma, actor)
    except RefundFailed as error:
        error.rma = rma  # taken back and booked: the caller shows it and offers a retry
        raise
