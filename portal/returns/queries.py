"""Read models of the return screens: who sees which return, the list with filters, one
return's lines, timeline and refunds, and the orders a counter may take back."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from peewee import JOIN, fn

from portal.inventory.models import Product
from portal.locations.models import Location
from portal.locations.status import LocationKind
from portal.orders.models import Order, OrderLine
from portal.orders.queries import visible_orders
from portal.payments.models import Payment, Refund
from portal.payments.status import RefundStatus
from portal.returns.fees import fee_due
from portal.returns.models import (
    ReturnEvent,
    ReturnLine,
    ReturnOrder,
    TransferLine,
    TransferOrder,
)
from portal.returns.refund_keys import of_return
from portal.returns.status import RETURNABLE_ORDER_STATES, ReturnStatus

HANDLERS = ("manager", "admin")  # receive and refund any return
FOUND_AT_MOST = 20


def visible_returns(user):
    """Returns ``user`` may see: an employee those handed in at, sent to or announced for
    their store and those of orders they see; logistics those going to a location that is
    not a store; managers and admins all. (The counter finds any store's open return to
    receive it: ``find_returns``.)"""
    query = (ReturnOrder.select(ReturnOrder, Order, Location)
             .join(Order).switch(ReturnOrder)
             .join(Location, JOIN.LEFT_OUTER, on=(ReturnOrder.location == Location.id)))
    if user.role == "employee":
        orders = visible_orders(user).select(Order.id)
        return query.where((ReturnOrder.location == user.home_store_id)
                           | (ReturnOrder.announced_location == user.home_store_id)
                           | ReturnOrder.order.in_(orders))
    if user.role == "logistics":
        return query.where(Location.kind != LocationKind.STORE)
    return query


def search_returns(user, status: str = "", location: str = "", text: str = ""):
    """Visible returns by status, location code and RMA / order number / e-mail, newest
    first."""
    query = visible_returns(user)
    if status in set(ReturnStatus):
        query = query.where(ReturnOrder.status == status)
    if location:
        query = query.where(Location.code == location.upper())
    if text:
        like = f"%{text.strip()}%"
        query = query.where(ReturnOrder.number.ilike(like) | Order.number.ilike(like)
                            | Order.customer_email.ilike(like))
    return query.order_by(ReturnOrder.created_at.desc(), ReturnOrder.id.desc())


def status_counts(user) -> dict[str, int]:
    rows = (visible_returns(user).select(ReturnOrder.status, fn.COUNT(ReturnOrder.id).alias("n"))
            .group_by(ReturnOrder.status))
    return {row.status: row.n for row in rows}


def location_choices(user) -> list[Location]:
    """Locations the list can be filtered by: none for an employee (one store), the
    non-store locations for logistics, every location taking returns otherwise."""
    if user.role == "employee":
        return []
    query = Location.select(Location.code, Location.name).where(
        Location.active == True, Location.accepts_returns == True)  # noqa: E712
    if user.role == "logistics":
        query = query.where(Location.kind != LocationKind.STORE)
    return list(query.order_by(Location.code))


def find_visible(user, number: str) -> ReturnOrder | None:
    return visible_returns(user).where(ReturnOrder.number == number.upper()).first()


def can_handle(user, rma: ReturnOrder) -> bool:
    """May ``user`` receive ``rma`` or retry its refund: staff where it is (an employee at
    their store, logistics at a location that is not a store), managers and admins."""
    if user.role in HANDLERS:
        return True
    place = rma.location
    if place is None:
        return False
    if user.role == "employee":
        return user.home_store_id == place.id
    return user.role == "logistics" and place.kind != LocationKind.STORE


def can_receive(user, rma: ReturnOrder) -> bool:
    return (rma.status in (ReturnStatus.REQUESTED, ReturnStatus.IN_TRANSIT)
            and rma.location_id is not None and can_handle(user, rma))


@dataclass
class LineView:
    line: ReturnLine
    transfer: str = ""  # the transfer order's number when it was sent on


@dataclass
class RefundView:
    refunds: list[Refund] = field(default_factory=list)  # oldest first
    due: Decimal = Decimal("0.00")  # value of lines not refunded yet (+ a shipping fee due)

    @property
    def latest(self) -> Refund | None:
        return self.refunds[-1] if self.refunds else None

    @property
    def failed(self) -> bool:
        """The last attempt failed and money is still owed: offer a retry."""
        return bool(self.due and self.latest and self.latest.status == RefundStatus.FAILED)


def return_lines(rma: ReturnOrder) -> list[LineView]:
    """The lines with article, order line and where they went; a line sent on names its
    transfer (``receiving`` writes ``<RMA>: ...`` as the transfer's reason)."""
    target = Location.alias()
    lines = list(ReturnLine.select(ReturnLine, OrderLine, Product, target)
                 .join(OrderLine).join(Product).switch(ReturnLine)
                 .join(target, JOIN.LEFT_OUTER, on=(ReturnLine.target == target.id))
                 .where(ReturnLine.return_order == rma.id).order_by(OrderLine.line_no))
    transfers = {}
    if any(line.disposition == "transfer" for line in lines):
        rows = (TransferOrder.select(TransferOrder.to_location, TransferLine.product,
                                     TransferOrder.number).join(TransferLine)
                .where(TransferOrder.reason.startswith(f"{rma.number}:"),
                       TransferOrder.from_location == rma.location_id)
                .order_by(TransferOrder.id).tuples())
        transfers = {(to, product): number for to, product, number in rows}
    return [LineView(line, transfers.get((line.target_id, line.order_line.product_id), "")
                     if line.disposition == "transfer" else "") for line in lines]


def refund_view(rma: ReturnOrder) -> RefundView:
    """The refunds made for ``rma`` (key ``return-<RMA>``, a retry ``return-<RMA>-<n>``)
    with their payments, and what is still owed."""
    refunds = list(Refund.select(Refund, Payment).join(Payment)
                   .where(of_return(rma.number))
                   .order_by(Refund.created_at, Refund.id))
    due = Decimal("0.00")
    if rma.status == ReturnStatus.RECEIVED:
        due = sum((Decimal(unit) * quantity for unit, quantity in
                   ReturnLine.select(OrderLine.unit_price, ReturnLine.quantity).join(OrderLine)
                   .where(ReturnLine.return_order == rma.id,
                          ReturnLine.refund_amount.is_null()).tuples()), fee_due(rma))
    return RefundView(refunds, due)


@dataclass
class EventView:
    event: ReturnEvent
    amount: str = ""  # a refund's amount, read from its JSON note


def timeline(rma: ReturnOrder) -> list[EventView]:
    views = []
    for event in (ReturnEvent.select().where(ReturnEvent.return_order == rma.id)
                  .order_by(ReturnEvent.at, ReturnEvent.id)):
        amount = ""
        if event.kind in ("refunded", "shipping_fee_refunded"):
            try:
                amount = json.loads(event.note).get("amount", "")
            except (ValueError, AttributeError):
                amount = ""
        views.append(EventView(event, amount))
    return views


def returns_of_order(order: Order) -> list[ReturnOrder]:
    """Every return of ``order``, oldest first, with the location it went to."""
    return list(ReturnOrder.select(ReturnOrder, Location)
                .join(Location, JOIN.LEFT_OUTER, on=(ReturnOrder.location == Location.id))
                .where(ReturnOrder.order == order.id)
                .order_by(ReturnOrder.created_at, ReturnOrder.id))


def order_visible(user, order: Order) -> bool:
    return visible_orders(user).where(Order.id == order.id).exists()


def _search_term(text: str) -> str:
    """What was typed or scanned: a tracking URL (the confirmation's QR code) counts as
    its token."""
    text = (text or "").strip()[:200]
    if "/track/" in text:
        text = text.rstrip("/").rsplit("/", 1)[-1]
    return text


def find_orders(text: str) -> list[Order]:
    """Orders (any channel, any store) with this number, its digits, the customer's
    e-mail address, the tracking token or one of their RMA numbers; exact matches only,
    newest first."""
    term = _search_term(text)
    if not term:
        return []
    of_rma = ReturnOrder.select(ReturnOrder.order).where(ReturnOrder.number == term.upper())
    match = ((Order.number == term.upper()) | (Order.customer_email == term.lower())
             | (Order.tracking_token == term) | Order.id.in_(of_rma))
    if term.isdigit() and len(term) <= 9:
        match |= Order.number.endswith(f"-{int(term):06d}")
    return list(Order.select().where(match)
                .order_by(Order.created_at.desc(), Order.id.desc()).limit(FOUND_AT_MOST))


def is_returnable(order: Order) -> bool:
    return order.status in RETURNABLE_ORDER_STATES


def takeback_lines(order: Order, left: dict[int, int]) -> list[tuple[OrderLine, int]]:
    """The order's lines (with article) and how many units of each may still come back."""
    lines = (OrderLine.select(OrderLine, Product).join(Product)
             .where(OrderLine.order == order.id).order_by(OrderLine.line_no))
    return [(line, left.get(line.id, 0)) for line in lines]


def find_returns(text: str, orders: list[Order]) -> list[ReturnOrder]:
    """Returns the counter may receive, whichever store they were announced for: the open
    ones of ``orders`` (``find_orders``'s answer) and the one numbered ``text`` in any
    state (so the clerk learns why it cannot be received); newest first."""
    term = _search_term(text)
    if not term:
        return []
    match = ReturnOrder.number == term.upper()
    if orders:
        match |= (ReturnOrder.order.in_([order.id for order in orders])
                  & ReturnOrder.status.in_([ReturnStatus.REQUESTED, ReturnStatus.IN_TRANSIT]))
    return list(ReturnOrder.select(ReturnOrder, Order, Location).join(Order)
                .switch(ReturnOrder)
                .join(Location, JOIN.LEFT_OUTER,
                      on=(ReturnOrder.announced_location == Location.id))
                .where(match).order_by(ReturnOrder.created_at.desc(), ReturnOrder.id.desc())
                .limit(FOUND_AT_MOST))


def find_at_counter(number: str) -> ReturnOrder | None:
    """The return ``number`` of any store, with its order: the counter receives an open
    one wherever the customer brings it (and, like ``find_returns``, names the state of
    one it cannot receive)."""
    return (ReturnOrder.select(ReturnOrder, Order).join(Order)
            .where(ReturnOrder.number == (number or "").strip().upper()[:20]).first())
