"""Placing, moving and cancelling orders. The only writers of order models.

``place_order`` validates everything first, then in one transaction creates the order,
gives it its number and reserves its stock with the inventory's conditional UPDATEs.
If another buyer takes the stock between plan and reservation, the transaction rolls
back and the order is planned again (a few times) before it is refused as out of stock.
"""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.db import transaction, utcnow
from portal.inventory.availability import CHANNEL_KINDS
from portal.inventory.errors import InsufficientStock
from portal.inventory.models import Product
from portal.inventory.services import Change, apply_changes
from portal.inventory.status import Channel, MovementKind
from portal.locations.models import Location
from portal.locations.status import LocationKind
from portal.notifications.services import queue_status_message
from portal.orders.allocation import chosen_plan, plan_allocation
from portal.orders.errors import IllegalTransition, OrderInvalid, OrderOutOfStock
from portal.orders.models import Order, OrderEvent, OrderLine, Reservation
from portal.orders.status import (
    HOLDS_STOCK,
    DeliveryMethod,
    OrderStatus,
    ReservationStatus,
    can_transition,
)

MAX_LINES = 100
MAX_LINE_QUANTITY = 999
PLAN_ATTEMPTS = 4
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class NewOrder:
    """What a caller (API, store screen) asks for; validated by ``place_order``."""

    channel: str
    customer_name: str
    customer_email: str = ""
    customer_phone: str = ""
    delivery_method: str = DeliveryMethod.HOME
    ship_name: str = ""
    ship_street: str = ""
    ship_postcode: str = ""
    ship_city: str = ""
    ship_country: str = "DE"
    pickup_location: str = ""   # location code for Click & Collect
    locker_id: str = ""
    store: str = ""             # location code where a store order was taken
    lines: list[dict] = field(default_factory=list)  # {"sku", "quantity", "unit_price"?}
    sources: dict[str, str] = field(default_factory=dict)  # SKU → location code, if chosen


def _actor_label(actor) -> str:
    """Who acted: a user's e-mail, an API key's name, a provider's name, else "system"."""
    if isinstance(actor, str):
        return actor
    return getattr(actor, "email", None) or getattr(actor, "name", None) or "system"


def _validate(request: NewOrder) -> tuple[dict, dict[int, int], dict]:
    """Field errors, wanted units per product id, and resolved records."""
    errors: dict[str, str] = {}
    if request.channel not in set(Channel):
        errors["channel"] = str(_l("Unknown channel."))
    if not request.customer_name.strip():
        errors["customer.name"] = str(_l("Enter the customer's name."))
    if request.customer_email and not EMAIL.match(request.customer_email):
        errors["customer.email"] = str(_l("Enter a valid e-mail address."))
    if request.delivery_method not in set(DeliveryMethod):
        errors["delivery.method"] = str(_l("Unknown delivery method."))
    resolved: dict = {"pickup": None, "store": None}
    if request.delivery_method == DeliveryMethod.CLICK_COLLECT:
        pickup = Location.get_or_none(Location.code == request.pickup_location.upper(),
                                      Location.active == True)  # noqa: E712
        if pickup is None or pickup.kind != LocationKind.STORE or not pickup.click_collect:
            errors["delivery.pickup_location"] = str(_l("Choose a store that offers Click & "
                                                        "Collect."))
        resolved["pickup"] = pickup
    if request.delivery_method == DeliveryMethod.LOCKER and not request.locker_id.strip():
        errors["delivery.locker_id"] = str(_l("Give the parcel locker's id."))
    if request.delivery_method in (DeliveryMethod.HOME, DeliveryMethod.LOCKER):
        for name in ("ship_name", "ship_street", "ship_postcode", "ship_city"):
            if not getattr(request, name).strip():
                errors[f"shipping_address.{name[5:]}"] = str(_l("Required for delivery."))
        if not re.fullmatch(r"[A-Z]{2}", request.ship_country or ""):
            errors["shipping_address.country"] = str(_l("Two-letter ISO country code."))
    if request.store:
        resolved["store"] = Location.get_or_none(Location.code == request.store.upper())
        if resolved["store"] is None:
            errors["store"] = str(_l("No such store."))
    wanted, prices = _validate_lines(request.lines, errors)
    resolved["prices"] = prices
    resolved["sources"] = _validate_sources(request, prices, errors)
    if request.delivery_method == DeliveryMethod.CARRY_OUT:
        _validate_carry_out(resolved, prices, errors)
    return errors, wanted, resolved


def _validate_carry_out(resolved: dict, prices: dict, errors: dict) -> None:
    """The customer takes the goods along: they all come from the store of the sale."""
    store = resolved["store"]
    if store is None or store.kind != LocationKind.STORE:
        errors["store"] = str(_l("A sale to take along needs the store it happens in."))
        return
    if not resolved["sources"]:
        resolved["sources"] = {product.id: store.id for product, _qty in prices.values()}
    for index, (product, _quantity) in prices.items():
        if resolved["sources"].get(product.id) != store.id:
            errors[f"lines.{index}.source"] = str(_l(
                "Only articles of this store can be taken along; order the others."))


def _validate_sources(request: NewOrder, prices: dict, errors: dict) -> dict[int, int]:
    """The chosen location per product id (empty: sourcing decides)."""
    if not request.sources:
        return {}
    kinds = CHANNEL_KINDS.get(request.channel, ())
    codes = {code.upper() for code in request.sources.values()}
    places = {p.code: p for p in Location.select().where(Location.code.in_(codes),
                                                          Location.active == True)}  # noqa: E712
    chosen: dict[int, int] = {}
    for index, (product, _quantity) in prices.items():
        place = places.get(request.sources.get(product.sku, "").upper())
        if place is None or place.kind not in kinds:
            errors[f"lines.{index}.source"] = str(_l("Choose a store or warehouse that sells "
                                                     "to this channel."))
            continue
        chosen[product.id] = place.id
    return chosen


def _validate_lines(lines: list[dict], errors: dict) -> tuple[dict[int, int], dict]:
    if not 1 <= len(lines) <= MAX_LINES:
        errors["lines"] = str(_l("An order has 1 to %(n)s lines.", n=MAX_LINES))
        return {}, {}
    skus = {str(line.get("sku", "")) for line in lines}
    products = {p.sku: p for p in Product.select().where(Product.sku.in_(skus),
                                                          Product.active == True)}  # noqa: E712
    wanted: dict[int, int] = defaultdict(int)
    prices = {}
    for index, line in enumerate(lines):
        product, quantity = products.get(str(line.get("sku", ""))), line.get("quantity")
        if product is None:
            errors[f"lines.{index}.sku"] = str(_l("Unknown or inactive SKU."))
            continue
        if not isinstance(quantity, int) or isinstance(quantity, bool) \
                or not 1 <= quantity <= MAX_LINE_QUANTITY:
            errors[f"lines.{index}.quantity"] = str(_l("1 to %(n)s.", n=MAX_LINE_QUANTITY))
            continue
        asked = line.get("unit_price")
        try:
            asked = None if asked is None else Decimal(str(asked))
        except InvalidOperation:
            asked = Decimal(-1)
        if asked is not None and asked != product.price:
            errors[f"lines.{index}.unit_price"] = str(_l("The price is %(price)s now.",
                                                         price=product.price))
        wanted[product.id] += quantity  # the same SKU on two lines counts both
        prices[index] = (product, quantity)
    return dict(wanted), prices


def place_order(request: NewOrder, actor=None) -> Order:
    """Create the order and reserve its stock, or raise OrderInvalid / OrderOutOfStock
    with nothing written."""
    errors, wanted, resolved = _validate(request)
    if errors:
        raise OrderInvalid(str(_l("The order is not valid.")), fields=errors)
    if resolved["sources"]:  # a person chose the locations: no re-planning on a race
        plan = chosen_plan(wanted, resolved["sources"], channel=request.channel)
        try:
            return _create(request, resolved, plan, actor)
        except InsufficientStock as error:
            raise OrderOutOfStock(error.message, fields={"lines": error.message}) from error
    origin = resolved["pickup"] or resolved["store"]
    for _attempt in range(PLAN_ATTEMPTS):
        plan = plan_allocation(wanted, channel=request.channel, origin=origin,
                               postcode=request.ship_postcode)
        if plan is None:
            break
        try:
            return _create(request, resolved, plan, actor)
        except InsufficientStock:
            continue  # someone else was faster: plan again on fresh stock
    raise OrderOutOfStock(str(_l("Not enough stock for this order.")),
                          fields={"lines": str(_l("Not enough stock"))})


def _create(request: NewOrder, resolved: dict, plan, actor) -> Order:
    minutes = current_app.config.get("RESERVATION_MINUTES", 30)
    with transaction():
        total = sum(product.price * quantity for product, quantity in
                    resolved["prices"].values())
        order = Order.create(
            tracking_token=secrets.token_urlsafe(24), channel=request.channel,
            customer_name=request.customer_name.strip(),
            customer_email=request.customer_email.strip().lower(),
            customer_phone=request.customer_phone.strip(),
            delivery_method=request.delivery_method, ship_name=request.ship_name.strip(),
            ship_street=request.ship_street.strip(), ship_postcode=request.ship_postcode.strip(),
            ship_city=request.ship_city.strip(), ship_country=request.ship_country,
            pickup_location=resolved["pickup"], locker_id=request.locker_id.strip(),
            store=resolved["store"], total=total, created_by_id=getattr(actor, "id", None),
            reserved_until=utcnow() + timedelta(minutes=minutes))
        order.number = f"OMS-{order.created_at.year}-{order.id:06d}"
        Order.update(number=order.number).where(Order.id == order.id).execute()
        lines = [OrderLine.create(order=order, line_no=index + 1, product=product,
                                  quantity=quantity, unit_price=product.price)
                 for index, (product, quantity) in sorted(resolved["prices"].items())]
        _reserve(order, lines, plan, actor)
        _event(order, "created", "", OrderStatus.PENDING_PAYMENT, actor)
    return order


def _reserve(order: Order, lines: list[OrderLine], plan, actor) -> None:
    """Reserve every allocation (conditional UPDATEs) and tie the units to order lines."""
    apply_changes([Change(a.product_id, a.location_id, MovementKind.RESERVATION,
                          reserved=a.quantity, need_available=a.quantity + a.buffer,
                          reference=order.number) for a in plan], actor)
    open_units = {line.id: line.quantity for line in lines}
    rows = []
    for allocation in plan:
        left = allocation.quantity
        for line in lines:
            if line.product_id != allocation.product_id or not open_units[line.id] or not left:
                continue
            take = min(left, open_units[line.id])
            rows.append({"line": line.id, "location": allocation.location_id, "quantity": take,
                         "created_at": order.created_at})
            open_units[line.id] -= take
            left -= take
    Reservation.insert_many(rows).execute()


def _event(order: Order, kind: str, from_status: str, to_status: str, actor,
           note: str = "") -> None:
    OrderEvent.create(order=order, kind=kind, from_status=from_status, to_status=to_status,
                      actor=_actor_label(actor), note=note)


def transition_order(order: Order, target: str, actor=None, note: str = "") -> Order:
    """Move an order to ``target`` as ``status.py`` allows, or raise IllegalTransition.

    The UPDATE names the status it expects, so two concurrent moves cannot both win.
    """
    if not can_transition(order.status, target):
        raise IllegalTransition(str(_l("An order in status %(current)s cannot become "
                                       "%(target)s.", current=order.status, target=target)))
    with transaction():
        moved = (Order.update(status=target, updated_at=utcnow())
                 .where(Order.id == order.id, Order.status == order.status).execute())
        if moved != 1:
            raise IllegalTransition(str(_l("The order changed meanwhile; reload it.")))
        _event(order, "status", order.status, target, actor, note)
        # The customer's e-mail is queued in this transaction: a rolled-back move
        # queues nothing, a committed one cannot lose it. Sending happens later.
        queue_status_message(order, target, note)
    order.status = target
    return order


def cancel_order(order: Order, actor=None, reason: str = "") -> Order:
    """Cancel an order and give its reserved stock back."""
    with transaction():
        was_holding = order.status in HOLDS_STOCK
        transition_order(order, OrderStatus.CANCELLED, actor, reason)
        if was_holding:
            release_reservations(order, actor)
    return order


def release_reservations(order: Order, actor=None) -> int:
    """Release every active reservation of ``order``; returns how many."""
    active = list(Reservation.select(Reservation, OrderLine).join(OrderLine)
                  .where(OrderLine.order == order,
                         Reservation.status == ReservationStatus.ACTIVE))
    if not active:
        return 0
    with transaction():
        apply_changes([Change(r.line.product_id, r.location_id, MovementKind.RELEASE,
                              reserved=-r.quantity, reference=order.number) for r in active],
                      actor)
        (Reservation.update(status=ReservationStatus.RELEASED)
         .where(Reservation.id.in_([r.id for r in active])).execute())
    return len(active)
