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

from portal.audit.services import actor_label
from portal.db import db, is_sqlite, transaction, utcnow
from portal.fulfilment.opening import cancel_open, open_fulfilments
from portal.i18n import default_language, languages
from portal.inventory.availability import CHANNEL_KINDS
from portal.inventory.errors import InsufficientStock
from portal.inventory.models import Product
from portal.inventory.services import Change, apply_changes
from portal.inventory.status import Channel, MovementKind
from portal.locations.models import Location
from portal.locations.status import LocationKind
from portal.notifications.services import queue_status_message
from portal.orders.allocation import chosen_plan, sellable_units
from portal.orders.errors import IllegalTransition, OrderInvalid, OrderOutOfStock
from portal.orders.models import Order, OrderEvent, OrderLine, Reservation
from portal.orders.promises import promise, release_promises
from portal.orders.status import (
    HOLDS_STOCK,
    DeliveryMethod,
    OrderStatus,
    ReservationStatus,
    can_transition,
)
from portal.shipping.models import ParcelLocker
from portal.sourcing.engine import OrderFacts
from portal.sourcing.services import record_decision, source

MAX_LINES = 100
MAX_LINE_QUANTITY = 999
PLAN_ATTEMPTS = 4
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CUSTOMER_GROUP = re.compile(r"[a-z0-9_-]{1,30}")
MAX_SHIPPING_FEE = Decimal("1000")
CENT = Decimal("0.01")


@dataclass
class NewOrder:
    """What a caller (API, store screen) asks for; validated by ``place_order``."""

    channel: str
    customer_name: str
    customer_email: str = ""
    customer_phone: str = ""
    customer_group: str = ""    # the shop's customer segment (b2b, vip ...); rules may ask
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
    shipping_fee: Decimal = Decimal("0")  # charged on top of the lines (0 to 1000)
    external_ref: str = ""      # the marketplace's order id; unique per channel
    language: str = ""          # the customer's ("de", "en"); "" is the portal's default


def _validate(request: NewOrder) -> tuple[dict, dict[int, int], dict]:
    """Field errors, wanted units per product id, and resolved records."""
    errors: dict[str, str] = {}
    if request.channel not in set(Channel):
        errors["channel"] = str(_l("Unknown channel."))
    if not request.customer_name.strip():
        errors["customer.name"] = str(_l("Enter the customer's name."))
    if request.customer_email and not EMAIL.match(request.customer_email):
        errors["customer.email"] = str(_l("Enter a valid e-mail address."))
    if request.customer_group and not CUSTOMER_GROUP.fullmatch(request.customer_group.lower()):
        errors["customer.group"] = str(_l("Letters, digits, - and _ (at most 30)."))
    if request.delivery_method not in set(DeliveryMethod):
        errors["delivery.method"] = str(_l("Unknown delivery method."))
    if request.language and request.language not in languages():
        errors["language"] = str(_l("Choose a language."))
    resolved: dict = {"pickup": None, "store": None,
                      "shipping_fee": _shipping_fee(request.shipping_fee)}
    if resolved["shipping_fee"] is None:
        errors["shipping_fee"] = str(_l("0 to %(most)s, at most two decimals.",
                                        most=MAX_SHIPPING_FEE))
    if request.delivery_method == DeliveryMethod.CLICK_COLLECT:
        pickup = Location.get_or_none(Location.code == request.pickup_location.upper(),
                                      Location.active == True)  # noqa: E712
        if pickup is None or pickup.kind != LocationKind.STORE or not pickup.click_collect:
            errors["delivery.pickup_location"] = str(_l("Choose a store that offers Click & "
                                                        "Collect."))
        resolved["pickup"] = pickup
    if request.delivery_method == DeliveryMethod.LOCKER and not _locker_known(request.locker_id):
        errors["delivery.locker_id"] = str(_l("Give the id of a parcel locker in service."))
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


def _shipping_fee(value) -> Decimal | None:
    """The fee in cents, or None when it is no amount from 0 to MAX_SHIPPING_FEE with at
    most two decimals."""
    try:
        fee = Decimal(str(value if value is not None else 0))
    except (InvalidOperation, ValueError):
        return None
    if isinstance(value, bool) or not fee.is_finite() or not 0 <= fee <= MAX_SHIPPING_FEE \
            or fee != fee.quantize(CENT):
        return None
    return fee.quantize(CENT)


def _locker_known(code: str) -> bool:
    return bool(code.strip()) and ParcelLocker.select().where(
        ParcelLocker.code == code.strip(), ParcelLocker.active == True).exists()  # noqa: E712


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
        # A NaN or infinity is no price (and "sNaN" would raise when compared).
        if asked is not None and (not asked.is_finite() or asked != product.price):
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
    facts = order_facts(request, resolved, wanted)
    for _attempt in range(PLAN_ATTEMPTS):
        result = source(facts)  # the published sourcing rules decide
        if result.plan is None:
            break
        resolved["sourcing"] = result
        try:
            return _create(request, resolved, result.plan, actor)
        except InsufficientStock:
            continue  # someone else was faster: plan again on fresh stock
    if result.plan is None and _pool_has(wanted, request.channel):
        return _create_for_attention(request, resolved, result, actor)
    raise OrderOutOfStock(str(_l("Not enough stock for this order.")),
                          fields={"lines": str(_l("Not enough stock"))})


def _pool_has(wanted: dict[int, int], channel: str) -> bool:
    """Whether the channel's locations together have every wanted unit right now."""
    have: dict[int, int] = defaultdict(int)
    for units in sellable_units(list(wanted), channel).values():
        for product_id, (sellable, _buffer) in units.items():
            have[product_id] += sellable
    return all(have[product_id] >= need for product_id, need in wanted.items())


def _create_for_attention(request: NewOrder, resolved: dict, result, actor) -> Order:
    """The stock exists but no rule may use it: take the order without reserving and put
    it in the "needs attention" queue, where a manager sources it (or cancels it)."""
    resolved["sourcing"] = result
    note = str(_l("No sourcing rule can fulfil this order."))
    with transaction():
        order = _create(request, resolved, [], actor)
        Order.update(attention=note).where(Order.id == order.id).execute()
        _event(order, "needs_attention", "", "", actor, note)
    order.attention = note
    return order


def order_facts(request: NewOrder, resolved: dict, wanted: dict[int, int]) -> OrderFacts:
    """What the sourcing rules look at, from a validated request."""
    products = [product for product, _quantity in resolved["prices"].values()]
    return OrderFacts(
        channel=request.channel, delivery_method=request.delivery_method,
        country=request.ship_country if request.delivery_method in (
            DeliveryMethod.HOME, DeliveryMethod.LOCKER) else _origin_country(resolved),
        postcode=request.ship_postcode.strip(),
        value=sum((p.price * q for p, q in resolved["prices"].values()), Decimal("0")),
        wanted=wanted, tags={tag for p in products for tag in p.tag_list},
        categories={p.category for p in products if p.category},
        origin=resolved["pickup"] or resolved["store"],
        customer_group=request.customer_group.strip().lower())


def _origin_country(resolved: dict) -> str:
    origin = resolved["pickup"] or resolved["store"]
    return origin.country if origin is not None else "DE"


def _create(request: NewOrder, resolved: dict, plan, actor) -> Order:
    minutes = current_app.config.get("RESERVATION_MINUTES", 30)
    total = sum((product.price * quantity for product, quantity in resolved["prices"].values()),
                resolved["shipping_fee"])
    # Rows are prepared before the transaction: on SQLite it holds the write lock.
    order = Order(
        tracking_token=secrets.token_urlsafe(24), channel=request.channel,
        customer_name=request.customer_name.strip(),
        customer_email=request.customer_email.strip().lower(),
        customer_phone=request.customer_phone.strip(),
        customer_group=request.customer_group.strip().lower(),
        delivery_method=request.delivery_method, ship_name=request.ship_name.strip(),
        ship_street=request.ship_street.strip(), ship_postcode=request.ship_postcode.strip(),
        ship_city=request.ship_city.strip(), ship_country=request.ship_country,
        pickup_location=resolved["pickup"], locker_id=request.locker_id.strip(),
        store=resolved["store"], shipping_fee=resolved["shipping_fee"], total=total,
        created_by_id=getattr(actor, "id", None),
        external_ref=request.external_ref.strip()[:64] or None,
        language=request.language or default_language(),
        reserved_until=utcnow() + timedelta(minutes=minutes))
    lines = [OrderLine(line_no=index + 1, product=product, quantity=quantity,
                       unit_price=product.price)
             for index, (product, quantity) in sorted(resolved["prices"].items())]
    with transaction():
        _insert_numbered(order)
        for line in lines:
            line.order = order
        ids = dict(_insert(OrderLine, lines, returning='"line_no", "id"').fetchall())
        for line in lines:  # by line number: RETURNING promises no row order
            line.id = ids[line.line_no]
        _reserve(order, lines, plan, actor)
        if resolved.get("sourcing") is not None:
            record_decision(order, resolved["sourcing"])
        _event(order, "created", "", OrderStatus.PENDING_PAYMENT, actor)
    return order


# INSERT texts by (database class, model, row count, returning): composed once per process
# from the models, since peewee takes longer to compose an INSERT than the database takes
# to run it, and on SQLite that time would be spent holding the write lock.
_INSERTS: dict[tuple, tuple[str, list]] = {}


def _insert(model, rows: list, returning: str = ""):
    """INSERT model instances (every column but the id, defaults filled in) in one
    statement; returns the cursor (None for no rows)."""
    if not rows:
        return None
    key = (type(db.obj), model, len(rows), returning)
    if key not in _INSERTS:
        fields = [f for f in model._meta.sorted_fields if f is not model._meta.primary_key]
        marks = "(" + ", ".join([db.param] * len(fields)) + ")"
        # Names come from the models and every value is a parameter: nothing to inject.
        _INSERTS[key] = (f'INSERT INTO "{model._meta.table_name}" ('  # noqa: S608
                         + ", ".join(f'"{f.column_name}"' for f in fields) + ") VALUES "
                         + ", ".join([marks] * len(rows))
                         + (f" RETURNING {returning}" if returning else ""), fields)
    sql, fields = _INSERTS[key]
    return db.execute_sql(sql, [f.db_value(row.__data__.get(f.name))
                                for row in rows for f in fields])


def _insert_numbered(order: Order) -> None:
    """INSERT the order together with its number ``OMS-<year>-<id:06d>``, so the number
    costs no second UPDATE (on PostgreSQL that would write a new row version and an
    entry in every index). The id comes from a one-row subquery that the number reuses:
    the sequence on PostgreSQL; on SQLite the next rowid, which is what SQLite itself
    would assign and stable because the write transaction holds the database lock."""
    key = (type(db.obj), Order, "numbered")
    if key not in _INSERTS:
        fields = [f for f in Order._meta.sorted_fields if f.name not in ("id", "number")]
        table = Order._meta.table_name
        if is_sqlite():
            seq = f'(SELECT IFNULL(MAX("id"), 0) + 1 AS id FROM "{table}")'  # noqa: S608
            number = f"printf({db.param} || '%06d', seq.id)"
        else:
            seq = f"(SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id)"
            number = (f"{db.param} || lpad(seq.id::text, greatest(6, length(seq.id::text)),"
                      " '0')")
        _INSERTS[key] = (f'INSERT INTO "{table}" ("id", "number", '  # noqa: S608
                         + ", ".join(f'"{f.column_name}"' for f in fields)
                         + f") SELECT seq.id, {number}, "
                         + ", ".join([db.param] * len(fields))
                         + f' FROM {seq} AS seq RETURNING "id", "number"', fields)
    sql, fields = _INSERTS[key]
    order.id, order.number = db.execute_sql(sql, [
        f"OMS-{order.created_at.year}-",
        *(f.db_value(order.__data__.get(f.name)) for f in fields)]).fetchone()


def _reserve(order: Order, lines: list[OrderLine], plan, actor) -> None:
    """Reserve every allocation (conditional UPDATEs) and tie the units to order lines;
    units of incoming deliveries are promised (see ``promises.py``)."""
    promised = [a for a in plan if a.incoming_id is not None]
    plan = [a for a in plan if a.incoming_id is None]
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
            rows.append(Reservation(line=line.id, location=allocation.location_id,
                                    quantity=take, created_at=order.created_at))
            open_units[line.id] -= take
            left -= take
    _insert(Reservation, rows)
    if promised:
        promise(promised, {line.id: (line.product_id, open_units[line.id]) for line in lines
                           if open_units[line.id]}, order.created_at)


def _event(order: Order, kind: str, from_status: str, to_status: str, actor,
           note: str = "") -> None:
    _insert(OrderEvent, [OrderEvent(order=order, kind=kind, from_status=from_status,
                                    to_status=to_status, actor=actor_label(actor), note=note)])


def note_event(order: Order, kind: str, actor, note: str = "") -> None:
    """Put a step that is not a status change on the order's timeline (``kind`` is one
    of ``labels.EVENT_LABELS``)."""
    _event(order, kind, "", "", actor, note)


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
        if target == OrderStatus.CONFIRMED:  # paid: the locations get their work
            open_fulfilments(order)
    order.status = target
    return order


def cancel_order(order: Order, actor=None, reason: str = "") -> Order:
    """Cancel an order and give its reserved stock back."""
    with transaction():
        was_holding = order.status in HOLDS_STOCK
        transition_order(order, OrderStatus.CANCELLED, actor, reason)
        cancel_open(order, actor)
        if was_holding:
            release_reservations(order, actor)
    return order


def release_reservations(order: Order, actor=None) -> int:
    """Release every active or promised reservation of ``order``; returns how many."""
    held = list(Reservation.select(Reservation, OrderLine).join(OrderLine)
                .where(OrderLine.order == order,
                       Reservation.status.in_([ReservationStatus.ACTIVE,
                                               ReservationStatus.PROMISED])))
    if not held:
        return 0
    active = [r for r in held if r.status == ReservationStatus.ACTIVE]
    with transaction():
        release_promises([r for r in held if r.status == ReservationStatus.PROMISED])
        apply_changes([Change(r.line.product_id, r.location_id, MovementKind.RELEASE,
                              reserved=-r.quantity, reference=order.number) for r in active],
                      actor)
        (Reservation.update(status=ReservationStatus.RELEASED)
         .where(Reservation.id.in_([r.id for r in active])).execute())
    return len(held)
