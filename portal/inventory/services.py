"""Every write to stock: one conditional UPDATE per level plus its ledger row, in one
transaction. Nothing else in the code changes StockLevel.

The conditional UPDATE is the no-oversell guarantee: ``... SET reserved = reserved + n
WHERE on_hand - reserved - safety_stock >= n``; if no row matched, the change is refused
and the transaction rolls back. Rows are always touched in (product, location) order so
two concurrent moves cannot deadlock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from portal.audit.services import record_audit
from portal.db import db, is_sqlite, transaction, utcnow
from portal.inventory.errors import InsufficientStock, InventoryInvalid, StockError
from portal.inventory.models import IncomingStock, Product, StockLevel, StockMovement
from portal.inventory.status import (
    AdjustmentReason,
    IncomingSource,
    IncomingStatus,
    MovementKind,
)
from portal.locations.models import Location

MAX_QUANTITY = 1_000_000
MAX_ON_HAND = 2_000_000_000  # PostgreSQL integers end at 2^31 - 1


@dataclass(frozen=True)
class Change:
    """One delta on one stock level, with its ledger entry."""

    product_id: int
    location_id: int
    kind: MovementKind
    on_hand: int = 0
    reserved: int = 0
    safety: int = 0
    need_available: int = 0  # refuse unless on_hand - reserved - safety_stock >= this
    reason: str = ""
    reference: str = ""


def _user_id(user) -> int | None:
    return getattr(user, "id", None)


def _check_quantity(quantity: int, *, allow_zero: bool = False) -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise InventoryInvalid(str(_l("Quantity must be a whole number.")),
                               fields={"quantity": str(_l("Whole number"))})
    low = 0 if allow_zero else 1
    if not low <= quantity <= MAX_QUANTITY:
        raise InventoryInvalid(
            str(_l("Quantity must be between %(low)s and %(high)s.", low=low,
                   high=MAX_QUANTITY)),
            fields={"quantity": str(_l("Between %(low)s and %(high)s", low=low,
                                       high=MAX_QUANTITY))})
    return quantity


def ensure_level(product_id: int, location_id: int) -> None:
    """Create the (empty) stock row for a product at a location if it is missing."""
    (StockLevel.insert(product=product_id, location=location_id, updated_at=utcnow())
     .on_conflict_ignore().execute())


def _locked_level(product: Product, location: Location) -> StockLevel:
    """Read a stock row for a read-then-write change; PostgreSQL locks it until commit
    (SQLite's write transaction already excludes other writers)."""
    ensure_level(product.id, location.id)
    query = StockLevel.select().where(StockLevel.product == product,
                                      StockLevel.location == location)
    if not is_sqlite():
        query = query.for_update()
    return query.get()


_UPDATE_SQL = (
    'UPDATE "stock_level" SET "on_hand" = "on_hand" + {p}, "reserved" = "reserved" + {p}, '
    '"safety_stock" = "safety_stock" + {p}, "updated_at" = {p} '
    'WHERE "product_id" = {p} AND "location_id" = {p} AND "on_hand" + {p} >= 0 '
    'AND "reserved" + {p} >= 0 AND "safety_stock" + {p} >= 0 '
    'AND "on_hand" + {p} >= "reserved" + {p} AND "on_hand" + {p} <= {p}')
_NEED_SQL = ' AND "on_hand" - "reserved" - "safety_stock" >= {p}'


def _update_level(change: Change) -> None:
    """The conditional UPDATE of one change, or raise why it cannot apply."""
    if not change.need_available:  # a change that needs stock needs its row already
        ensure_level(change.product_id, change.location_id)
    p = db.param
    sql = _UPDATE_SQL.format(p=p)
    params = [change.on_hand, change.reserved, change.safety, utcnow(), change.product_id,
              change.location_id, change.on_hand, change.reserved, change.safety,
              change.on_hand, change.reserved, change.on_hand, MAX_ON_HAND]
    if change.need_available:
        sql += _NEED_SQL.format(p=p)
        params.append(change.need_available)
    if db.rows_affected(db.execute_sql(sql, params)) != 1:
        raise _refusal(change)


def _movement(change: Change, user, at) -> dict:
    return {"at": at, "product": change.product_id, "location": change.location_id,
            "kind": change.kind, "on_hand_delta": change.on_hand,
            "reserved_delta": change.reserved, "safety_delta": change.safety,
            "reason": change.reason[:200], "reference": change.reference[:80],
            "user_id": _user_id(user)}


def _apply(change: Change, user) -> None:
    """Apply one change and write its ledger row; the caller holds the transaction."""
    _update_level(change)
    StockMovement.insert(_movement(change, user, utcnow())).execute()


def _refusal(change: Change) -> StockError:
    """Explain, from the current row, why a change could not be applied."""
    level = StockLevel.get_or_none(StockLevel.product == change.product_id,
                                   StockLevel.location == change.location_id) or StockLevel()
    product = Product.get_by_id(change.product_id)
    location = Location.get_by_id(change.location_id)
    names = {"sku": product.sku, "location": location.code}
    if change.need_available:
        return InsufficientStock(str(_l(
            "Only %(available)s of %(sku)s available at %(location)s, %(wanted)s needed.",
            available=level.available, wanted=change.need_available, **names)),
            fields={"quantity": str(_l("Not enough stock"))})
    if level.on_hand + change.on_hand < 0:
        return StockError(str(_l(
            "%(sku)s at %(location)s has only %(on_hand)s on hand; stock cannot go below zero.",
            on_hand=level.on_hand, **names)), fields={"quantity": str(_l("Too many"))})
    if level.on_hand + change.on_hand > MAX_ON_HAND:
        return StockError(str(_l(
            "%(sku)s at %(location)s cannot hold more than %(max)s units.",
            max=MAX_ON_HAND, **names)), fields={"quantity": str(_l("Too many"))})
    if level.on_hand + change.on_hand < level.reserved + change.reserved:
        return StockError(str(_l(
            "%(reserved)s units of %(sku)s at %(location)s are reserved for orders; "
            "on hand cannot drop below that.", reserved=level.reserved, **names)),
            fields={"quantity": str(_l("Reserved for orders"))})
    return StockError(str(_l("The stock of %(sku)s at %(location)s changed meanwhile; "
                             "please try again.", **names)))


def apply_changes(changes: list[Change], user=None) -> None:
    """Apply several changes all or nothing, rows in a fixed order (no deadlocks)."""
    if not changes:
        return
    ordered = sorted(changes, key=lambda c: (c.product_id, c.location_id))
    with transaction():
        for change in ordered:
            _update_level(change)
        at = utcnow()  # one ledger statement for all rows of the change
        StockMovement.insert_many([_movement(c, user, at) for c in ordered]).execute()


# -- the verbs used by screens, the API, orders and jobs -------------------------

def receive_stock(product: Product, location: Location, quantity: int, *, user=None,
                  reference: str = "", reason: str = "") -> None:
    """Goods arrived at a location: on hand goes up."""
    _check_quantity(quantity)
    apply_changes([Change(product.id, location.id, MovementKind.RECEIPT, on_hand=quantity,
                          reason=reason, reference=reference)], user)


def adjust_stock(product: Product, location: Location, delta: int, reason: str, *,
                 user=None, note: str = "", reference: str = "") -> None:
    """Correct on hand by ``delta`` (negative for damage or theft) with a reason code."""
    if reason not in set(AdjustmentReason):
        raise InventoryInvalid(str(_l("Choose a reason for the adjustment.")),
                               fields={"reason": str(_l("Choose a reason"))})
    if delta == 0:
        raise InventoryInvalid(str(_l("An adjustment must change the quantity.")),
                               fields={"quantity": str(_l("Not zero"))})
    _check_quantity(abs(delta))
    apply_changes([Change(product.id, location.id, MovementKind.ADJUSTMENT, on_hand=delta,
                          reason=f"{reason}: {note}".strip(": ") if note else reason,
                          reference=reference)], user)


def count_stock(product: Product, location: Location, counted: int, *, user=None,
                note: str = "") -> int:
    """Set on hand to a counted figure (an adjustment with reason ``count``); return delta."""
    _check_quantity(counted, allow_zero=True)
    with transaction():
        current = _locked_level(product, location)
        delta = counted - current.on_hand
        if delta:
            _apply(Change(product.id, location.id, MovementKind.ADJUSTMENT, on_hand=delta,
                          reason=f"count: {note}".strip(": ")), user)
    return delta


def move_stock(product: Product, source: Location, target: Location, quantity: int, *,
               user=None, reference: str = "") -> None:
    """Move units between locations at once (both sides in one transaction)."""
    _check_quantity(quantity)
    if source.id == target.id:
        raise InventoryInvalid(str(_l("Source and target must differ.")),
                               fields={"target": str(_l("Choose another location"))})
    apply_changes([
        Change(product.id, source.id, MovementKind.TRANSFER_OUT, on_hand=-quantity,
               need_available=quantity, reference=reference, reason=f"to {target.code}"),
        Change(product.id, target.id, MovementKind.TRANSFER_IN, on_hand=quantity,
               reference=reference, reason=f"from {source.code}"),
    ], user)


def set_safety_stock(product: Product, location: Location, quantity: int, *,
                     user=None) -> None:
    """Hold ``quantity`` units back from sale at a location."""
    _check_quantity(quantity, allow_zero=True)
    with transaction():
        current = _locked_level(product, location)
        if quantity != current.safety_stock:
            _apply(Change(product.id, location.id, MovementKind.SAFETY_STOCK,
                          safety=quantity - current.safety_stock,
                          reason=f"safety stock {current.safety_stock} → {quantity}"), user)


def reserve_stock(product: Product, location: Location, quantity: int, reference: str, *,
                  user=None) -> None:
    """Promise units to an order; refused (InsufficientStock) unless available."""
    _check_quantity(quantity)
    apply_changes([Change(product.id, location.id, MovementKind.RESERVATION,
                          reserved=quantity, need_available=quantity, reference=reference)],
                  user)


def release_stock(product: Product, location: Location, quantity: int, reference: str, *,
                  user=None) -> None:
    """Give reserved units back to sale (order cancelled, expired or re-sourced)."""
    _check_quantity(quantity)
    apply_changes([Change(product.id, location.id, MovementKind.RELEASE, reserved=-quantity,
                          reference=reference)], user)


def ship_reserved_stock(product: Product, location: Location, quantity: int, reference: str,
                        *, user=None) -> None:
    """Reserved units leave the building: on hand and reserved both go down."""
    _check_quantity(quantity)
    apply_changes([Change(product.id, location.id, MovementKind.SALE, on_hand=-quantity,
                          reserved=-quantity, reference=reference)], user)


# -- incoming stock --------------------------------------------------------------

def add_incoming(product: Product, location: Location, quantity: int, expected_on: date,
                 source: str = IncomingSource.SUPPLIER_ORDER, reference: str = "", *,
                 user=None) -> IncomingStock:
    """Announce a delivery: sourcing may promise it, the location page shows it."""
    _check_quantity(quantity)
    if source not in set(IncomingSource):
        raise InventoryInvalid(str(_l("Unknown source of incoming stock.")),
                               fields={"source": str(_l("Choose a source"))})
    with transaction():
        incoming = IncomingStock.create(product=product, location=location, quantity=quantity,
                                        expected_on=expected_on, source=source,
                                        reference=reference[:80])
        record_audit(user, "stock.incoming_added", incoming, sku=product.sku,
                     location=location.code, quantity=quantity)
    return incoming


def receive_incoming(incoming: IncomingStock, *, quantity: int | None = None,
                     user=None, kind: MovementKind = MovementKind.RECEIPT) -> None:
    """Book an announced delivery in: all of it, or the counted quantity (``kind``:
    ``receipt`` from a supplier, ``transfer_in`` from another location).

    A short delivery keeps the rest open (still expected); a full or larger one closes
    the announcement.
    """
    if quantity is not None:
        _check_quantity(quantity)
    with transaction():
        query = IncomingStock.select().where(IncomingStock.id == incoming.id)
        current = (query if is_sqlite() else query.for_update()).get()
        if current.status != IncomingStatus.OPEN:
            raise StockError(str(_l("This delivery was already received or cancelled.")))
        if current.source == IncomingSource.TRANSFER and kind != MovementKind.TRANSFER_IN:
            # Its units are still on the source's books until the transfer is received.
            raise StockError(str(_l("This delivery is transfer %(number)s: receive it on the "
                                    "transfer.", number=current.reference)))
        received = current.quantity if quantity is None else quantity
        if received >= current.quantity:
            current.status = IncomingStatus.RECEIVED
        else:
            current.quantity -= received
        current.save()
        _apply(Change(current.product_id, current.location_id, kind,
                      on_hand=received, reference=current.reference,
                      reason=f"incoming #{current.id}"), user)
        # Units promised to orders from this delivery are theirs now: shelf reservations.
        from portal.orders.promises import keep_promises  # orders build on inventory

        keep_promises(current, received, user)
