"""Store replenishment: what each store needs, where it can come from, and approving the
chosen proposals into transfer orders.

``proposals(params)`` reads three set-based aggregates — units sold per (store, product)
in the last ``REPLENISH_SALES_DAYS`` days (``sale`` movements), the stock levels of the
active stores and warehouses, and the open incoming units not promised to orders — and
allocates in Python. A store's target is ``ceil(sold / days × REPLENISH_COVER_DAYS)``
(at least 1) plus its safety stock, counted as on hand − reserved; its need is the
target minus on hand − reserved − incoming, i.e. the cover minus (available + incoming),
since available already leaves the safety stock out. Out-of-stock rows (available ≤ 0)
are served first, then the largest needs. Sources: warehouses by priority, then stores
with available units beyond their own target (largest surplus first), never more than a
source's available and never the same units twice in one run; a need may be split over
several sources, and what none can cover is the shortfall.

``approve(rows_or_keys, actor, run)`` groups the chosen (store, product, source,
quantity) picks by (source, store) into one transfer each (``create_transfer``), each in
a transaction of its own (a savepoint when the caller holds one): a line whose stock
vanished meanwhile is refused and the rest of its transfer goes through, and each
transaction locks only its own rows in the inventory's order, so two approvals cannot
deadlock. ``run`` (the form's one-time token) is written into the transfers' reason, so a
form sent twice finds its transfers instead of making them again.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import NamedTuple

from flask import current_app
from flask_babel import lazy_gettext as _l
from peewee import chunked, fn

from portal.db import db, serialize_on, transaction, utcnow
from portal.errors import DomainError
from portal.inventory.errors import InsufficientStock
from portal.inventory.models import AVAILABLE, IncomingStock, Product, StockLevel, StockMovement
from portal.inventory.services import MAX_QUANTITY
from portal.inventory.status import IncomingStatus, MovementKind
from portal.locations.models import Location
from portal.locations.status import LocationKind
from portal.returns.models import TransferOrder
from portal.returns.transfers import create_transfer

MAX_PICKS = 2000  # picks per approval (the screen shows at most 500 rows)
KEY = re.compile(r"^(\d{1,10})\.(\d{1,10})\.(\d{1,10})\.(\d{1,7})$")
RUN = re.compile(r"^[A-Za-z0-9_-]{0,40}$")
CHUNK = 900  # ids per IN (...) list
REASON = "replenishment"  # the transfers' reason, followed by the form's run token


class ReplenishmentInvalid(DomainError):
    code = "invalid"
    status = 422


class Article(NamedTuple):
    """The product fields a proposal shows (thousands of model instances cost more)."""

    id: int
    sku: str
    name: str
    category: str


@dataclass(frozen=True)
class Params:
    """Filters of one run; ``store`` is a store code ('' = every active store)."""

    store: str = ""
    category: str = ""
    out_of_stock: bool = False
    sales_days: int | None = None  # None: REPLENISH_SALES_DAYS
    cover_days: int | None = None  # None: REPLENISH_COVER_DAYS


@dataclass
class Proposal:
    """One store's need of one product and the transfers proposed for it."""

    store: Location
    product: Article
    sold: int         # units sold in the sales window
    available: int    # on hand − reserved − safety stock (below 0: under safety stock)
    incoming: int     # open incoming not promised to orders
    target: int       # cover + safety stock, as on hand − reserved
    need: int
    transfers: list[tuple[Location, int]] = field(default_factory=list)
    shortfall: int = 0

    @property
    def out_of_stock(self) -> bool:
        return self.available <= 0

    def picks(self) -> list[tuple[Location, int, str]]:
        """(source, quantity, key) per proposed transfer; the key is what ``approve`` takes."""
        return [(source, quantity, pick_key(self.store.id, self.product.id, source.id,
                                            quantity)) for source, quantity in self.transfers]


@dataclass(frozen=True)
class Pick:
    store_id: int
    product_id: int
    source_id: int
    quantity: int


@dataclass(frozen=True)
class Refusal:
    key: str
    message: str
    store: Location | None = None
    product: Article | None = None
    source: Location | None = None
    quantity: int = 0


@dataclass
class Approval:
    created: list[TransferOrder] = field(default_factory=list)
    repeated: list[TransferOrder] = field(default_factory=list)  # made by an earlier send
    refused: list[Refusal] = field(default_factory=list)


def pick_key(store_id: int, product_id: int, source_id: int, quantity: int) -> str:
    return f"{store_id}.{product_id}.{source_id}.{quantity}"


def sales_days() -> int:
    return max(1, int(current_app.config.get("REPLENISH_SALES_DAYS", 28)))


def cover_days() -> int:
    return max(1, int(current_app.config.get("REPLENISH_COVER_DAYS", 14)))


# --- reading --------------------------------------------------------------------------

def _places() -> dict[int, Location]:
    """Active stores and warehouses by id."""
    return {loc.id: loc for loc in Location.select().where(
        Location.active == True,  # noqa: E712
        Location.kind.in_([LocationKind.STORE, LocationKind.WAREHOUSE]))}


def _in_category(column, category: str):
    return column.in_(Product.select(Product.id).where(Product.category == category))


def _tuples(query):
    """The query's rows as the driver returns them: tens of thousands of plain integer
    rows cost several times more through peewee's row conversion."""
    return db.execute_sql(*query.sql()).fetchall()


def _sales(store_ids: list[int], days: int, category: str) -> dict[tuple[int, int], int]:
    """(store, product) → units sold since ``days`` ago."""
    query = (StockMovement
             .select(StockMovement.location, StockMovement.product,
                     fn.SUM(StockMovement.on_hand_delta))
             .where(StockMovement.kind == MovementKind.SALE,
                    StockMovement.at >= utcnow() - timedelta(days=days),
                    StockMovement.location.in_(store_ids))
             .group_by(StockMovement.location, StockMovement.product))
    if category:
        query = query.where(_in_category(StockMovement.product, category))
    return {(loc, product): -int(total) for loc, product, total in _tuples(query)
            if total and total < 0}


def _levels(place_ids: list[int], category: str) -> dict[tuple[int, int], tuple[int, int]]:
    """(location, product) → (available, safety stock)."""
    query = (StockLevel.select(StockLevel.location, StockLevel.product, AVAILABLE,
                               StockLevel.safety_stock)
             .where(StockLevel.location.in_(place_ids)))
    if category:
        query = query.where(_in_category(StockLevel.product, category))
    return {(loc, product): (available, safety)
            for loc, product, available, safety in _tuples(query)}


def _incoming(store_ids: list[int], category: str) -> dict[tuple[int, int], int]:
    """(store, product) → open incoming units not promised to customer orders."""
    query = (IncomingStock
             .select(IncomingStock.location, IncomingStock.product,
                     fn.SUM(IncomingStock.quantity - IncomingStock.promised))
             .where(IncomingStock.status == IncomingStatus.OPEN,
                    IncomingStock.location.in_(store_ids))
             .group_by(IncomingStock.location, IncomingStock.product))
    if category:
        query = query.where(_in_category(IncomingStock.product, category))
    return {(loc, product): int(units) for loc, product, units in _tuples(query) if units}


def _products(ids) -> dict[int, Article]:
    """Active products by id."""
    found: dict[int, Article] = {}
    for part in chunked(sorted(ids), CHUNK):
        found.update((row[0], Article(*row)) for row in _tuples(Product.select(
            Product.id, Product.sku, Product.name, Product.category)
            .where(Product.id.in_(part), Product.active == True)))  # noqa: E712
    return found


# --- allocation -----------------------------------------------------------------------

def _sources(places: dict[int, Location], levels: dict[tuple[int, int], tuple[int, int]],
             targets: dict[tuple[int, int], int], wanted: set[int]) -> dict[int, list[list]]:
    """Product → [[location id, units it can give]], warehouses first by priority, then
    stores with more available than their own target (largest surplus first)."""
    order = {loc.id: n for n, loc in enumerate(sorted(
        places.values(), key=lambda loc: (loc.kind != LocationKind.WAREHOUSE, loc.priority,
                                          loc.code)))}
    warehouses = {i for i, loc in places.items() if loc.kind == LocationKind.WAREHOUSE}
    ranked: dict[int, list[tuple]] = defaultdict(list)
    for (loc_id, product_id), (available, _safety) in levels.items():
        if available <= 0 or product_id not in wanted:
            continue
        if loc_id in warehouses:
            ranked[product_id].append((0, order[loc_id], loc_id, available))
            continue
        spare = available - targets.get((loc_id, product_id), 1)
        if spare > 0:
            ranked[product_id].append((1, -spare, order[loc_id], loc_id, spare))
    return {product_id: [[entry[-2], entry[-1]] for entry in sorted(entries)]
            for product_id, entries in ranked.items()}


def _allocate(rows: list[Proposal], sources: dict[int, list[list]],
              places: dict[int, Location]) -> None:
    """Fill each row's transfers in order; a source's units are taken once."""
    for row in rows:
        left = row.need
        for entry in sources.get(row.product.id, ()):
            if left == 0:
                break
            loc_id, units = entry
            if units <= 0 or loc_id == row.store.id:
                continue
            take = min(units, left)
            entry[1] -= take
            left -= take
            row.transfers.append((places[loc_id], take))
        row.shortfall = left


def proposals(params: Params | None = None) -> list[Proposal]:
    """Every active store's needs (see the module docstring), out of stock first, then
    the largest need; ``params`` filters by store, category and out of stock."""
    params = params or Params()
    days = params.sales_days or sales_days()
    cover_for = params.cover_days or cover_days()
    places = _places()
    store_ids = sorted(i for i, loc in places.items() if loc.kind == LocationKind.STORE)
    if not store_ids:
        return []
    sold = _sales(store_ids, days, params.category)
    if not sold:
        return []
    products = _products({product for _store, product in sold})
    levels = _levels(sorted(places), params.category)
    incoming = _incoming(store_ids, params.category)
    # ceil(sold / days × cover days): at least 1 already, since every store here sold
    targets = {key: -(-units * cover_for // days) for key, units in sold.items()}
    rows = []
    for key, units in sold.items():
        product = products.get(key[1])
        if product is None:
            continue
        (available, safety), arriving = levels.get(key, (0, 0)), incoming.get(key, 0)
        need = targets[key] - available - arriving
        if need > 0:
            rows.append(Proposal(places[key[0]], product, units, available, arriving,
                                 targets[key] + safety, need))
    rows.sort(key=lambda r: (r.available > 0, -r.need, r.store.code, r.product.sku))
    _allocate(rows, _sources(places, levels, targets, {r.product.id for r in rows}), places)
    return [r for r in rows if (not params.store or r.store.code == params.store)
            and (not params.out_of_stock or r.out_of_stock)]


# --- approving ------------------------------------------------------------------------

def _parse(rows_or_keys, approval: Approval) -> list[tuple[str, Pick]]:
    """(key, pick) for every proposal row's transfers or key; bad keys are refused."""
    picks, seen = [], set()
    for item in rows_or_keys:
        if isinstance(item, Proposal):
            picks += [(key, Pick(item.store.id, item.product.id, source.id, quantity))
                      for source, quantity, key in item.picks()]
            continue
        key = str(item)[:60]
        if key in seen:  # a checkbox sent twice is one pick
            continue
        seen.add(key)
        match = KEY.match(key)
        if match is None or not 1 <= int(match.group(4)) <= MAX_QUANTITY:
            approval.refused.append(Refusal(key, str(_l("Not a valid proposal."))))
            continue
        picks.append((key, Pick(*(int(part) for part in match.groups()))))
    if len(picks) > MAX_PICKS:
        raise ReplenishmentInvalid(str(_l("Approve at most %(n)s proposals at once.",
                                          n=MAX_PICKS)))
    return picks


def _check(key: str, pick: Pick, places: dict[int, Location],
           products: dict[int, Article]) -> Refusal | None:
    store, source = places.get(pick.store_id), places.get(pick.source_id)
    product = products.get(pick.product_id)
    refusal = None
    if store is None or store.kind != LocationKind.STORE:
        refusal = _l("The target is not an active store.")
    elif source is None:
        refusal = _l("The source is not an active store or warehouse.")
    elif source.id == store.id:
        refusal = _l("A store cannot send stock to itself.")
    elif product is None:
        refusal = _l("The article is unknown or no longer sold.")
    if refusal is None:
        return None
    return Refusal(key, str(refusal), store, product, source, pick.quantity)


def _short(source: Location, lines: dict[int, list], products: dict[int, Article],
           approval: Approval, target: Location) -> bool:
    """Refuse the lines ``source`` can no longer give (they leave ``lines``); False when
    every line still fits."""
    available = dict(StockLevel.select(StockLevel.product, AVAILABLE)
                     .where(StockLevel.location == source.id,
                            StockLevel.product.in_(list(lines))).tuples())
    short = [product_id for product_id, (quantity, _keys) in lines.items()
             if available.get(product_id, 0) < quantity]
    for product_id in short:
        quantity, keys = lines.pop(product_id)
        product = products[product_id]
        message = str(_l("Only %(available)s of %(sku)s available at %(location)s, "
                         "%(wanted)s needed.", available=max(0, available.get(product_id, 0)),
                         sku=product.sku, location=source.code, wanted=quantity))
        approval.refused += [Refusal(key, message, target, product, source, quantity)
                             for key in keys]
    return bool(short)


def _transfer(source: Location, target: Location, lines: dict[int, list],
              products: dict[int, Article], actor, reason: str, approval: Approval) -> None:
    """One transfer of the lines that still fit, in a transaction (or savepoint) of its
    own; a transfer this form's run made before is reported instead of made again."""
    while lines:
        try:
            with transaction():
                if reason != REASON:
                    serialize_on(reason)  # the same form sent twice at once: one wins
                earlier = reason != REASON and (
                    TransferOrder.select().where(TransferOrder.from_location == source.id,
                                                 TransferOrder.to_location == target.id,
                                                 TransferOrder.reason == reason).first())
                if earlier:
                    approval.repeated.append(earlier)
                    return
                approval.created.append(create_transfer(
                    source, target, [(products[p], quantity) for p, (quantity, _k)
                                     in lines.items()], actor, reason=reason))
            return
        except InsufficientStock as error:
            if not _short(source, lines, products, approval, target):
                approval.refused += [Refusal(key, error.message, target, products[p], source,
                                             quantity)
                                     for p, (quantity, keys) in lines.items() for key in keys]
                return
        except DomainError as error:
            approval.refused += [Refusal(key, error.message, target, products[p], source,
                                         quantity)
                                 for p, (quantity, keys) in lines.items() for key in keys]
            return


def approve(rows_or_keys, actor, run: str = "") -> Approval:
    """Turn the chosen proposals (``Proposal`` rows or their keys) into transfers, one
    per (source, store); see the module docstring."""
    approval = Approval()
    picks = _parse(rows_or_keys, approval)
    if not picks:
        return approval
    run = run if RUN.match(run or "") else ""
    reason = f"{REASON} {run}".strip()
    places = _places()
    products = _products({pick.product_id for _key, pick in picks})
    groups: dict[tuple[int, int], dict[int, list]] = {}
    for key, pick in picks:
        refusal = _check(key, pick, places, products)
        if refusal is not None:
            approval.refused.append(refusal)
            continue
        line = groups.setdefault((pick.source_id, pick.store_id), {}).setdefault(
            pick.product_id, [0, []])
        line[0] += pick.quantity
        line[1].append(key)
    for (source_id, store_id), lines in groups.items():
        _transfer(places[source_id], places[store_id], lines, products, actor, reason,
                  approval)
    return approval


def summary(rows: list[Proposal]) -> dict[str, int]:
    """Figures over ``rows``: stores with an article out of stock, rows out of stock,
    units needed, units no source can cover."""
    return {"stores_out": len({r.store.id for r in rows if r.out_of_stock}),
            "rows_out": sum(1 for r in rows if r.out_of_stock),
            "units_needed": sum(r.need for r in rows),
            "units_short": sum(r.shortfall for r in rows)}
