"""The stock-level part of the CSV import: plan the new figures, then write them with
their ledger rows. ``imports.py`` reads the file and runs ``plan_stock`` like the
product and location plans.

Stock changes go through the ledger: each changed row writes exactly one StockMovement
carrying both deltas and the reason ``import: <file>``; its kind is ``adjustment`` when
on hand changes and ``safety_stock`` when only the safety stock does. Unchanged rows
write nothing; on hand may never drop below what is reserved for orders. The optional
``bin`` (storage place, for pick lists) is no quantity: it changes without a ledger row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from portal import bulk
from portal.csvfiles import CellReader, parse_whole_number
from portal.db import db, utcnow
from portal.inventory.errors import StockError
from portal.inventory.models import Product, StockLevel, StockMovement
from portal.inventory.services import MAX_QUANTITY
from portal.inventory.status import MovementKind
from portal.locations.models import Location

if TYPE_CHECKING:  # imports.py imports this module; the preview is only passed in
    from portal.inventory.imports import ImportPreview, Writer

BIN_LENGTH = StockLevel.bin.max_length
UPDATE_LEVEL_SQL = ('UPDATE "stock_level" SET "on_hand" = ?, "safety_stock" = ?, "bin" = ?, '
                    '"updated_at" = ? WHERE "id" = ? AND "on_hand" = ? AND "safety_stock" = ? '
                    'AND "reserved" <= ?')


@dataclass(frozen=True)
class _StockChange:
    product_id: int
    location_id: int
    level_id: int | None  # None: a new stock row
    on_hand: int          # the new figures, and the old ones they replace
    safety: int
    old_on_hand: int
    old_safety: int
    bin: str = ""

    @property
    def quantities_change(self) -> bool:
        """True when on hand or safety stock change (then a ledger row is written)."""
        return (self.on_hand, self.safety) != (self.old_on_hand, self.old_safety)


def _stock_levels(pairs: set[tuple[int, int]], *, lock: bool) -> dict:
    """The stored levels of these (product, location) pairs, read (and on apply locked)
    in (product, location) order like every other stock writer, so none deadlock."""
    query = (StockLevel.select()
             .where(StockLevel.location.in_(sorted({loc for _, loc in pairs}) or [0]))
             .order_by(StockLevel.product, StockLevel.location))
    rows = bulk.lookup(query, StockLevel.product, (product for product, _ in pairs), lock=lock)
    return {key: level for level in rows
            if (key := (level.product_id, level.location_id)) in pairs}


def plan_stock(columns: list[str], rows, preview: ImportPreview, lock: bool,
               filename: str = "", reference: str = "") -> Writer:
    """Check stock lines (``sku``, ``location``, ``on_hand``, optional ``safety_stock``
    and ``bin``) into ``preview``; return the writer that applies the changes with their
    ledger rows."""
    wanted: list[tuple[int, str, str, int, int | None, str | None]] = []
    for line, raw in rows:
        cells = CellReader(line, raw, preview.errors)
        if not raw["sku"] or not raw["location"]:
            cells.fail("sku" if not raw["sku"] else "location", _l("A value is required."))
        on_hand = cells.typed("on_hand", parse_whole_number, 0, MAX_QUANTITY)
        if on_hand is None and cells.ok:
            cells.fail("on_hand", _l("A value is required."))
        safety = cells.typed("safety_stock", parse_whole_number, 0, MAX_QUANTITY)
        bin_ = cells.text("bin", BIN_LENGTH).strip() if "bin" in columns else None
        if cells.ok:
            wanted.append((line, raw["sku"], raw["location"].upper(), on_hand, safety, bin_))
    products = {p.sku: p.id for p in bulk.lookup(Product.select(Product.id, Product.sku),
                                                 Product.sku, (w[1] for w in wanted),
                                                 lock=False)}
    locations = {loc.code: loc.id for loc in Location.select(Location.id, Location.code)}
    levels = _stock_levels({(products[w[1]], locations[w[2]]) for w in wanted
                            if w[1] in products and w[2] in locations}, lock=lock)
    seen: dict[tuple[int, int], int] = {}
    changes: list[_StockChange] = []
    for line, sku, code, on_hand, safety, bin_ in wanted:
        product_id, location_id = products.get(sku), locations.get(code)
        if product_id is None:
            preview.error(line, "sku", _l("Unknown SKU %(sku)s.", sku=sku))
        if location_id is None:
            preview.error(line, "location", _l("Unknown location %(code)s.", code=code))
        if product_id is None or location_id is None:
            continue
        key = (product_id, location_id)
        if key in seen:
            preview.error(line, "", _l("%(sku)s at %(location)s appears again (first on "
                                       "line %(line)s).", sku=sku, location=code,
                                       line=seen[key]))
            continue
        seen[key] = line
        level = levels.get(key)
        old = ({"on_hand": level.on_hand, "safety_stock": level.safety_stock,
                "bin": level.bin} if level else None)
        kept_safety = level.safety_stock if level else 0
        kept_bin = level.bin if level else ""
        new = {"on_hand": on_hand, "safety_stock": kept_safety if safety is None else safety,
               "bin": kept_bin if bin_ is None else bin_}
        if level and on_hand < level.reserved:
            preview.error(line, "on_hand", _l(
                "%(reserved)s units of %(sku)s at %(location)s are reserved for orders; on "
                "hand cannot be lower.", reserved=level.reserved, sku=sku, location=code))
            continue
        if old is None and not (new["on_hand"] or new["safety_stock"] or new["bin"]):
            preview.unchanged += 1  # no row and nothing to put in one
            continue
        shown = [c for c in ("on_hand", "safety_stock", "bin") if c in columns]
        if preview.count(line, f"{sku} @ {code}", old, new, shown):
            changes.append(_StockChange(product_id, location_id, level.id if level else None,
                                        new["on_hand"], new["safety_stock"],
                                        old["on_hand"] if old else 0,
                                        old["safety_stock"] if old else 0, new["bin"]))

    def write(user) -> None:
        _write_stock(changes, user, f"import: {filename}", reference)

    return write


def _write_stock(changes: list[_StockChange], user, reason: str, reference: str) -> None:
    now, user_id = utcnow(), getattr(user, "id", None)
    bulk.insert(StockLevel, [{"product": c.product_id, "location": c.location_id,
                              "on_hand": c.on_hand, "safety_stock": c.safety,
                              "bin": c.bin, "updated_at": now}
                             for c in changes if c.level_id is None])
    # Conditional on the figures the plan read: a row changed meanwhile is refused.
    updates = [c for c in changes if c.level_id is not None]
    stamp = StockLevel.updated_at.db_value(now)
    updated = bulk.execute_batched(UPDATE_LEVEL_SQL.replace("?", db.param), [
        (c.on_hand, c.safety, c.bin, stamp, c.level_id, c.old_on_hand, c.old_safety,
         c.on_hand)
        for c in updates])
    if updated != len(updates):
        raise StockError(str(_l("Stock changed while the import ran; nothing was changed. "
                                "Please upload the file again.")))
    bulk.insert(StockMovement, [
        {"at": now, "product": c.product_id, "location": c.location_id,
         "kind": MovementKind.ADJUSTMENT.value if c.on_hand != c.old_on_hand
         else MovementKind.SAFETY_STOCK.value,
         "on_hand_delta": c.on_hand - c.old_on_hand, "reserved_delta": 0,
         "safety_delta": c.safety - c.old_safety, "reason": reason[:200],
         "reference": reference[:80], "user_id": user_id}
        for c in changes if c.quantities_change])
