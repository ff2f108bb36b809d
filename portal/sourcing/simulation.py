"""What a rule version would have done with the last N real orders, next to the version
that routes orders now. Reads only: it plans on today's stock (each order given its own
active reservations back, so it competes only with the others) and writes nothing."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import peewee as pw
from peewee import SQL

from portal.db import db
from portal.inventory.models import Product
from portal.locations.models import Location
from portal.locations.status import LocationKind
from portal.orders.allocation import StockSnapshot
from portal.orders.models import Order, OrderLine, Reservation
from portal.orders.status import OrderStatus, ReservationStatus
from portal.sourcing import services
from portal.sourcing.engine import Engine, SourcingResult
from portal.sourcing.facts import facts_from
from portal.sourcing.models import RuleSet
from portal.sourcing.places import capacity_used_today
from portal.sourcing.rules import Rule

DEFAULT_ORDERS = 200
MIN_ORDERS, MAX_ORDERS = 10, 2000
MAX_LISTED = 100  # differing orders shown with their traces
KIND_GROUPS = ("store", "warehouse", "other")


def clamp_orders(value, high: int = MAX_ORDERS) -> int:
    """N from a query string: a whole number from 10 to ``high`` (the screen's 2000), else
    the default."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return DEFAULT_ORDERS
    return max(MIN_ORDERS, min(high, number))


@dataclass
class Figures:
    """The outcome of one version over the sample."""

    sourced: int = 0
    not_sourced: int = 0
    split: int = 0                       # sourced orders served by more than one location
    distances: list[float] = field(default_factory=list)
    units: Counter = field(default_factory=Counter)  # store / warehouse / other → units

    @property
    def split_rate(self) -> float | None:
        return self.split / self.sourced if self.sourced else None

    @property
    def average_km(self) -> float | None:
        return sum(self.distances) / len(self.distances) if self.distances else None

    def share(self, group: str) -> float | None:
        total = sum(self.units.values())
        return self.units[group] / total if total else None

    def add(self, result: SourcingResult, kinds: dict[int, str]) -> None:
        if result.plan is None:
            self.not_sourced += 1
            return
        self.sourced += 1
        if len({a.location_id for a in result.plan}) > 1:
            self.split += 1
        km = (result.trace[-1].get("score") or {}).get("distance_km") if result.trace else None
        if km is not None:
            self.distances.append(km)
        for allocation in result.plan:
            kind = kinds.get(allocation.location_id, "")
            group = kind if kind in (LocationKind.STORE, LocationKind.WAREHOUSE) else "other"
            self.units[str(group)] += allocation.quantity


@dataclass
class Difference:
    """One order both versions planned differently."""

    order: Order
    published: SourcingResult
    simulated: SourcingResult
    published_plan: list[tuple[str, int]]  # (location code, units), by code
    simulated_plan: list[tuple[str, int]]


@dataclass
class Simulation:
    ruleset: RuleSet
    published_version: int | None  # None: the built-in defaults
    orders: int
    published: Figures
    simulated: Figures
    differing: int
    differences: list[Difference]


# Thousands of orders (and their products) are read with every column but their times,
# which the facts never look at and which cost most to convert: whatever ``facts_from``
# reads is there.
FACT_COLUMNS = tuple(f for f in Order._meta.sorted_fields
                     if not isinstance(f, pw.DateTimeField))
PRODUCT_COLUMNS = tuple(f for f in Product._meta.sorted_fields
                        if not isinstance(f, pw.DateTimeField))
CHUNK = 5000  # ids per query (databases cap the parameters of one statement)


def _chunks(ids: list[int]):
    """``ids`` in slices, each one SQL list of parameters (a peewee node per id costs
    more than the row it finds)."""
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        yield SQL("(" + ", ".join([db.param] * len(part)) + ")", part)


def recent_orders(n: int, *columns) -> list[Order]:
    """The newest ``n`` orders that have lines, cancelled ones left out (only
    ``columns`` of them when given)."""
    return list(Order.select(*columns)
                .where(Order.status != OrderStatus.CANCELLED,
                       Order.id.in_(OrderLine.select(OrderLine.order)))
                .order_by(Order.created_at.desc(), Order.id.desc()).limit(n))


def _lines_of(order_ids: list[int]) -> dict[int, list[tuple[Product, int]]]:
    """Per order its (product, units) lines; each product read and built once."""
    rows: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for ids in _chunks(order_ids):
        for order_id, product_id, quantity in (
                OrderLine.select(OrderLine.order, OrderLine.product, OrderLine.quantity)
                .where(OrderLine.order.in_(ids))
                .order_by(OrderLine.order, OrderLine.line_no).tuples()):
            rows[order_id].append((product_id, quantity))
    products: dict[int, Product] = {}
    for ids in _chunks(sorted({p for lines in rows.values() for p, _q in lines})):
        products.update((p.id, p) for p in Product.select(*PRODUCT_COLUMNS)
                        .where(Product.id.in_(ids)))
    return defaultdict(list, {order_id: [(products[p], q) for p, q in lines]
                              for order_id, lines in rows.items()})


def _held_by(order_ids: list[int]) -> dict[int, dict[tuple[int, int], int]]:
    """Per order: (location id, product id) → units its active reservations hold."""
    held: dict[int, dict[tuple[int, int], int]] = defaultdict(lambda: defaultdict(int))
    for ids in _chunks(order_ids):
        query = (Reservation.select(Reservation.location, Reservation.quantity,
                                    OrderLine.order, OrderLine.product)
                 .join(OrderLine)
                 .where(OrderLine.order.in_(ids),
                        Reservation.status == ReservationStatus.ACTIVE).tuples())
        for location_id, quantity, order_id, product_id in query:
            held[order_id][(location_id, product_id)] += quantity
    return held


def _suppliers_for(country: str, cache: dict) -> dict[int, bool]:
    if country not in cache:
        from portal.suppliers.services import suppliers_serving

        cache[country] = {s.location_id: s.dropship for s in suppliers_serving(country)
                          if s.location_id is not None}
    return cache[country]


def _plan(result: SourcingResult, codes: dict[int, str]) -> list[tuple[str, int]]:
    units: Counter = Counter()
    for allocation in result.plan or []:
        units[codes.get(allocation.location_id, str(allocation.location_id))] += \
            allocation.quantity
    return sorted(units.items())


def _same(a: SourcingResult, b: SourcingResult) -> bool:
    def key(result):
        if result.plan is None:
            return None
        return sorted((x.location_id, x.product_id, x.quantity) for x in result.plan)

    return key(a) == key(b)


def simulate(ruleset: RuleSet, n: int = DEFAULT_ORDERS, *,
             max_orders: int = MAX_ORDERS) -> Simulation:
    """Run ``ruleset`` and the published rules over the last ``n`` orders (at most
    ``max_orders``: the screen's limit unless a caller such as a benchmark asks for more)."""
    n = clamp_orders(n, max_orders)
    rules: list[Rule] = services.rules_of(ruleset)
    published_version, published_rules = services.published_rules()
    orders = recent_orders(n, *FACT_COLUMNS)
    ids = [order.id for order in orders]
    lines, held = _lines_of(ids), _held_by(ids)
    # Read once for all orders: their products' stock and today's use of capacities.
    stock = StockSnapshot({product.id for rows in lines.values() for product, _q in rows})
    used = capacity_used_today()
    locations = {place.id: place for place in Location.select()}
    kinds = {i: place.kind for i, place in locations.items()}
    codes = {i: place.code for i, place in locations.items()}
    suppliers: dict[str, dict[int, bool]] = {}
    before, after = Figures(), Figures()
    differences, differing = [], 0
    for order in orders:
        origin = locations.get(order.pickup_location_id or order.store_id or 0)
        facts = facts_from(order, lines[order.id], origin)
        engine = Engine(facts, suppliers=_suppliers_for(facts.country, suppliers),
                        extra=dict(held.get(order.id, {})),
                        stock=stock.sellable_units(list(facts.wanted), facts.channel),
                        used=used)
        # One engine serves both runs: it only reads the stock it loaded. The figures
        # need no list of the locations weighed; the orders shown are explained anew.
        current = engine.run(published_rules, published_version, explain=False)
        proposed = engine.run(rules, ruleset.version, explain=False)
        before.add(current, kinds)
        after.add(proposed, kinds)
        if not _same(current, proposed):
            differing += 1
            if len(differences) < MAX_LISTED:
                current = engine.run(published_rules, published_version)
                proposed = engine.run(rules, ruleset.version)
                differences.append(Difference(order, current, proposed,
                                              _plan(current, codes), _plan(proposed, codes)))
    if differences:  # the screen shows these orders: read them whole
        whole = {o.id: o for o in Order.select().where(
            Order.id.in_([d.order.id for d in differences]))}
        for difference in differences:
            difference.order = whole[difference.order.id]
    return Simulation(ruleset, published_version, len(orders), before, after, differing,
                      differences)
