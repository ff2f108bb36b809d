"""Registering returns: the writers of return orders and their lines.

``register_return`` checks the whole request first (an order that was shipped,
delivered or collected; each line at most what was bought minus what is already being
returned; a drop-off the customer can use) and then, in one transaction that locks the
order, writes the RMA with its lines. A parcel sent by post or mailbox gets a return
shipment (tracking number, SSCC, return label). Bad input raises ``ReturnInvalid``
naming each field, with nothing written. Receiving and refunding are ``receiving.py``'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from peewee import fn

from portal.audit.services import actor_label
from portal.db import is_sqlite, transaction
from portal.errors import DomainError, NotFound
from portal.inventory.models import Product
from portal.locations.models import Location
from portal.locations.status import LocationKind
from portal.orders.models import Order, OrderLine
from portal.returns.models import ReturnEvent, ReturnLine, ReturnOrder
from portal.returns.notify import return_registered
from portal.returns.status import RETURNABLE_ORDER_STATES, DropOff, ReturnStatus
from portal.shipping.models import Shipment
from portal.shipping.shipments import MIN_PARCEL_KG, create_return_shipment
from portal.shipping.status import ShipmentStatus

MAX_LINES = 100


class ReturnInvalid(DomainError):
    code = "invalid"
    status = 422


@dataclass
class ReturnRequest:
    """What a customer or clerk asks to give back. ``lines``: ``{"line_no"`` or
    ``"sku", "quantity", "reason"}``; ``location``: the store it is handed in at (for
    the ``store`` drop-off)."""

    order_number: str
    lines: list[dict] = field(default_factory=list)
    reason: str = ""
    drop_off: str = DropOff.POST_OFFICE
    location: str = ""


def returnable(order: Order) -> dict[int, int]:
    """Order line id → units that may still be returned (bought minus those on
    returns that are not cancelled)."""
    taken = dict(ReturnLine.select(ReturnLine.order_line, fn.SUM(ReturnLine.quantity))
                 .join(ReturnOrder)
                 .where(ReturnOrder.order == order.id,
                        ReturnOrder.status != ReturnStatus.CANCELLED)
                 .group_by(ReturnLine.order_line).tuples())
    return {line.id: line.quantity - int(taken.get(line.id, 0))
            for line in OrderLine.select().where(OrderLine.order == order.id)}


def returns_location() -> Location | None:
    """Where parcels sent back go: the first active warehouse that accepts returns."""
    return (Location.select().where(Location.active == True,  # noqa: E712
                                    Location.accepts_returns == True,  # noqa: E712
                                    Location.kind == LocationKind.WAREHOUSE)
            .order_by(Location.priority, Location.code).first())


def _order(number: str) -> Order:
    order = Order.get_or_none(Order.number == (number or "").strip().upper())
    if order is None:
        raise NotFound(str(_l("No order %(number)s.", number=number or "''")))
    return order


def _drop_off(request: ReturnRequest, order: Order, errors: dict) -> Location | None:
    if not isinstance(request.drop_off, str) or request.drop_off not in set(DropOff):
        errors["drop_off"] = str(_l("One of: %(choices)s.", choices=", ".join(DropOff)))
        return None
    if request.drop_off == DropOff.STORE:
        store = Location.get_or_none(Location.code == (request.location or "").upper(),
                                     Location.active == True)  # noqa: E712
        if store is None or store.kind != LocationKind.STORE or not store.accepts_returns:
            errors["location"] = str(_l("Choose a store that takes returns."))
        return store
    if not (order.ship_street and order.ship_city):
        errors["drop_off"] = str(_l("This order has no address to print a return label "
                                    "for: hand it in at a store."))
    target = returns_location()
    if target is None:
        errors["drop_off"] = str(_l("No warehouse takes returns by post at the moment: hand "
                                    "it in at a store."))
    return target


def _lines(request: ReturnRequest, order: Order, errors: dict) -> dict[int, tuple[int, str]]:
    """Order line id → (quantity, reason), checked against what may be returned."""
    if not isinstance(request.lines, list) or not 0 < len(request.lines) <= MAX_LINES:
        errors["lines"] = str(_l("Name 1 to %(most)s lines.", most=MAX_LINES))
        return {}
    order_lines = list(OrderLine.select(OrderLine, Product).join(Product)
                       .where(OrderLine.order == order.id))
    by_no = {line.line_no: line for line in order_lines}
    by_sku = {line.product.sku.upper(): line for line in order_lines}
    left = returnable(order)
    wanted: dict[int, tuple[int, str]] = {}
    for i, raw in enumerate(request.lines):
        name = f"lines.{i}"
        raw = raw if isinstance(raw, dict) else {}
        line = (by_no.get(raw.get("line_no")) if raw.get("line_no") is not None
                else by_sku.get(str(raw.get("sku") or "").strip().upper()))
        quantity = raw.get("quantity")
        if line is None:
            errors[name] = str(_l("Name a line of the order by line_no or sku."))
            continue
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            errors[f"{name}.quantity"] = str(_l("A whole number of at least 1."))
            continue
        total = wanted.get(line.id, (0, ""))[0] + quantity
        if total > left[line.id]:
            errors[f"{name}.quantity"] = str(_l(
                "At most %(left)s of %(sku)s can still be returned.", left=left[line.id],
                sku=line.product.sku))
            continue
        wanted[line.id] = (total, str(raw.get("reason") or request.reason or "")[:200])
    return wanted


def check(request: ReturnRequest) -> tuple[Order, Location | None, dict[int, tuple[int, str]]]:
    """The request checked in full; ReturnInvalid names every bad field."""
    order = _order(request.order_number)
    errors: dict[str, str] = {}
    if order.status not in RETURNABLE_ORDER_STATES:
        errors["order_number"] = str(_l("Order %(number)s cannot be returned: it is not "
                                        "shipped, delivered or collected.",
                                        number=order.number))
    place = _drop_off(request, order, errors)
    wanted = _lines(request, order, errors)
    if len(request.reason or "") > 200:
        errors["reason"] = str(_l("Text of at most %(n)s characters.", n=200))
    if errors:
        raise ReturnInvalid(str(_l("The return is not valid.")), fields=errors)
    return order, place, wanted


def register_return(request: ReturnRequest, actor, via: str = "api") -> ReturnOrder:
    """Register a return (see the module docstring) and return it."""
    order, place, _wanted = check(request)
    with transaction():
        _lock(order)
        order, place, wanted = check(request)  # again, now that no one else can return
        rma = ReturnOrder.create(order=order.id, drop_off=request.drop_off,
                                 location=place.id if place else None,
                                 announced_location=place.id if place else None,
                                 reason=(request.reason or "")[:200], created_via=via)
        number = f"RMA-{rma.created_at.year}-{rma.id:06d}"
        ReturnOrder.update(number=number).where(ReturnOrder.id == rma.id).execute()
        ReturnLine.insert_many([{"return_order": rma.id, "order_line": line_id,
                                 "quantity": quantity, "reason": reason}
                                for line_id, (quantity, reason) in wanted.items()]).execute()
        if request.drop_off != DropOff.STORE:
            shipment = create_return_shipment(order, place, _weight(wanted), actor)
            ReturnOrder.update(shipment=shipment.id).where(ReturnOrder.id == rma.id).execute()
        return_registered(rma.id, via)  # the customer's e-mail, with this transaction
        add_event(rma, "registered", actor, f"{request.drop_off} ({via})")
    return ReturnOrder.get_by_id(rma.id)


def _lock(order: Order) -> None:
    """Serialise returns of one order (SQLite's write transaction already does)."""
    if not is_sqlite():
        Order.select(Order.id).where(Order.id == order.id).for_update().execute()


def _weight(wanted: dict[int, tuple[int, str]]) -> Decimal:
    grams = sum(line.product.weight_grams * wanted[line.id][0] for line in
                OrderLine.select(OrderLine, Product).join(Product)
                .where(OrderLine.id.in_(list(wanted))))
    return max(MIN_PARCEL_KG, (Decimal(grams) / 1000 * Decimal("1.1")).quantize(Decimal("0.1")))


def add_event(rma: ReturnOrder, kind: str, actor, note: str = "") -> None:
    """A line on the return's timeline."""
    ReturnEvent.create(return_order=rma.id, kind=kind, note=note,
                       actor=actor_label(actor)[:160])


def cancel_return(rma: ReturnOrder, actor, note: str = "") -> ReturnOrder:
    """A registered return the customer will not send: its units may be returned again."""
    with transaction():
        shipment = Shipment.get_or_none(Shipment.id == rma.shipment_id) \
            if rma.shipment_id else None
        if shipment is not None and shipment.status != ShipmentStatus.CREATED:
            raise ReturnInvalid(str(_l("The carrier has the parcel of %(number)s already: "
                                       "receive it when it arrives.", number=rma.number)))
        moved = (ReturnOrder.update(status=ReturnStatus.CANCELLED)
                 .where(ReturnOrder.id == rma.id,
                        ReturnOrder.status == ReturnStatus.REQUESTED).execute())
        if moved != 1:
            raise ReturnInvalid(str(_l("Only a registered return that has not been sent can "
                                       "be cancelled.")))
        add_event(rma, "cancelled", actor, note)
    return ReturnOrder.get_by_id(rma.id)
