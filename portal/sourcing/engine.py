"""The sourcing engine: given an order's facts and the published rules, a plan (units
per product and location) and an explain trace of every rule and location it looked at.

Rules are tried in order; the first whose condition matches and whose pool can cover
the order wins. Within a rule the plan with the fewest locations wins, ties broken by
the rule's ordering (distance, stock, priority, cost, capacity). The engine only reads;
``place_order`` reserves the plan and asks again when a reservation loses a race.

Trace entries are plain JSON: reasons are codes with parameters (``no_stock``,
``too_far`` ...) that screens translate (see ``labels.py``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal
from itertools import combinations

from flask_babel import to_utc
from peewee import fn

from portal.db import local_today
from portal.inventory.availability import channel_buffers
from portal.locations.directory import LocationInfo, location_directory
from portal.locations.models import Location
from portal.locations.services import distance_km
from portal.locations.status import LocationKind
from portal.orders.allocation import Allocation, sellable_units
from portal.orders.models import OrderLine, Reservation
from portal.sourcing.incoming import IncomingPool
from portal.sourcing.rules import Condition, Rule

UNKNOWN = 1e9          # sorts a missing distance, cost or capacity last
MAX_COMBINATIONS = 5000  # beyond this many location sets, fall back to a greedy plan


@dataclass
class OrderFacts:
    """What the rules look at. ``wanted`` is product id → units (two lines of one SKU
    are added up); ``origin`` the pickup store or the store of the sale."""

    channel: str
    delivery_method: str
    country: str
    postcode: str
    value: Decimal
    wanted: dict[int, int]
    tags: set[str] = field(default_factory=set)
    categories: set[str] = field(default_factory=set)
    origin: Location | None = None
    exclude: frozenset[int] = frozenset()
    customer_group: str = ""


@dataclass
class SourcingResult:
    plan: list[Allocation] | None
    trace: list[dict]
    rule_name: str = ""
    version: int | None = None

    def plan_json(self, codes: dict[int, str]) -> list[dict]:
        return [{"location": codes.get(a.location_id, str(a.location_id)),
                 "product_id": a.product_id, "quantity": a.quantity,
                 **({"incoming_id": a.incoming_id, "expected_on": a.expected_on.isoformat()}
                    if a.incoming_id else {})}
                for a in self.plan or []]


@dataclass(eq=False, slots=True)  # told apart by identity: one per location and run
class _Place:
    location: LocationInfo
    units: dict[int, tuple[int, int]]  # product id → (sellable units, channel buffer)
    km: float | None
    remaining: int | None              # daily capacity left, None = unlimited
    total: int = 0                     # units of the whole order it has: covered(wanted)
    _seen: dict | None = None

    def covered(self, wanted: dict[int, int]) -> int:
        return sum(min(self.units.get(p, (0, 0))[0], n) for p, n in wanted.items())

    def seen(self) -> dict:
        """The trace's description of this place, the same for every rule that looks at
        it (each adds whether it was kept and why to a copy)."""
        if self._seen is None:
            self._seen = {"code": self.location.code, "kind": self.location.kind,
                          "km": None if self.km is None else round(self.km, 1),
                          "units": self.total}
        return self._seen


class _Directory:
    """What every run derives from one cached location directory: the active places, an
    index for ``destination_point`` and the distances computed so far. Rebuilt when the
    directory is reloaded, so runs after the first pay for none of it."""

    MAX_DISTANCES = 50_000  # kept in all (a few MB); beyond, the oldest points are dropped

    def __init__(self, directory: dict[int, LocationInfo]):
        self.source = directory
        self.active = [p for p in directory.values() if p.active]
        self.by_id = {p.id: p for p in self.active}
        self.capped = [p.id for p in self.active if p.daily_capacity is not None]
        # country → postcode prefix (2+ characters) → the first place, in directory order,
        # whose postcode starts with it (places with coordinates only)
        self.prefixes: dict[str, dict[str, LocationInfo]] = {}
        for place in self.active:
            if place.latitude is None:
                continue
            index, postcode = self.prefixes.setdefault(place.country, {}), place.postcode or ""
            for n in range(2, len(postcode) + 1):
                index.setdefault(postcode[:n], place)
        self._km: dict[tuple[float, float], dict[int, float]] = {}
        self._lock = threading.Lock()

    def destination(self, facts: OrderFacts) -> tuple[float, float] | None:
        """``destination_point(facts, self.active)`` by index: the place sharing the
        longest prefix (2+) is the first one holding the longest prefix of the postcode."""
        if facts.origin is not None and facts.origin.latitude is not None:
            return facts.origin.latitude, facts.origin.longitude
        index, postcode = self.prefixes.get(facts.country), facts.postcode or ""
        if index:
            for n in range(len(postcode), 1, -1):
                best = index.get(postcode[:n])
                if best is not None:
                    return best.latitude, best.longitude
        return None

    def distances(self, point: tuple[float, float] | None) -> dict[int, float]:
        """Location id → km from ``point`` as far as computed (``Engine._places`` adds)."""
        if point is None:
            return {}
        with self._lock:  # worker threads share the view
            known = self._km.get(point)
            if known is None:
                while self._km and len(self._km) * len(self.active) >= self.MAX_DISTANCES:
                    del self._km[next(iter(self._km))]
                known = self._km[point] = {}
        return known


_view: _Directory | None = None


def _directory() -> _Directory:
    global _view
    directory, view = location_directory(), _view
    if view is None or view.source is not directory:
        view = _view = _Directory(directory)
    return view


def destination_point(facts: OrderFacts, places: list[LocationInfo]) -> tuple[float, float] | None:
    """Where the goods go: the pickup store or the store of the sale; for a delivery the
    location sharing the longest postcode prefix in the destination country (a coarse
    stand-in for geocoding the address, enough to rank regions)."""
    if facts.origin is not None and facts.origin.latitude is not None:
        return facts.origin.latitude, facts.origin.longitude
    best, length = None, 1
    for place in places:
        if place.country != facts.country or place.latitude is None:
            continue
        common = len(_common_prefix(place.postcode or "", facts.postcode or ""))
        if common > length:
            best, length = place, common
    return (best.latitude, best.longitude) if best else None


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def condition_mismatch(condition: Condition, facts: OrderFacts) -> dict | None:
    """None when the order matches, else the first part that does not."""
    checks = [
        ("channel", condition.channels, facts.channel in condition.channels),
        ("delivery_method", condition.delivery_methods,
         facts.delivery_method in condition.delivery_methods),
        ("country", condition.countries, facts.country in condition.countries),
        ("postcode", condition.postcode_prefixes,
         any(facts.postcode.startswith(p) for p in condition.postcode_prefixes)),
        ("tags", condition.tags, bool(facts.tags & set(condition.tags))),
        ("categories", condition.categories, bool(facts.categories & set(condition.categories))),
        ("customer_group", condition.customer_groups,
         facts.customer_group in condition.customer_groups),
    ]
    for name, wanted, ok in checks:
        if wanted and not ok:
            return {"code": "condition", "part": name, "expected": ", ".join(wanted)}
    if facts.country in condition.exclude_countries:
        return {"code": "condition", "part": "country",
                "expected": "≠ " + ", ".join(condition.exclude_countries)}
    if condition.min_value is not None and facts.value < condition.min_value:
        return {"code": "condition", "part": "value", "expected": f"≥ {condition.min_value}"}
    if condition.max_value is not None and facts.value > condition.max_value:
        return {"code": "condition", "part": "value", "expected": f"≤ {condition.max_value}"}
    return None


FEW_LOCATIONS = 20  # up to this many, today's fulfilments are counted at these only


def _fulfilments_today(location_ids: list[int]) -> dict[int, int]:
    """Orders served today per location, every one of ``location_ids`` listed (0 too).
    For many locations all of today's reservations are counted (one pass instead of a
    probe per location) and the others left out."""
    start = to_utc(datetime.combine(local_today(), time.min)).replace(tzinfo=None)
    query = (Reservation.select(Reservation.location, fn.COUNT(fn.DISTINCT(OrderLine.order)))
             .join(OrderLine).where(Reservation.created_at >= start))
    if len(location_ids) <= FEW_LOCATIONS:
        query = query.where(Reservation.location.in_(location_ids))
    counts = dict(query.group_by(Reservation.location).tuples())
    return {location_id: counts.get(location_id, 0) for location_id in location_ids}


def capacity_used_today() -> dict[int, int]:
    """Orders served today at every active location with a daily capacity, in one query:
    the ``used`` of an ``Engine`` when one caller plans many orders (a simulation)."""
    capped = _directory().capped
    return _fulfilments_today(capped) if capped else {}


class Engine:
    """One sourcing run over ``facts``: loads stock and locations once, then tries rules."""

    def __init__(self, facts: OrderFacts, suppliers: dict[int, bool] | None = None,
                 extra: dict[tuple[int, int], int] | None = None, *,
                 stock: dict[int, dict[int, tuple[int, int]]] | None = None,
                 used: dict[int, int] | None = None):
        """``extra`` adds units per (location id, product id) to what is sellable now:
        a simulation gives an existing order its own reservations back.

        By default a run reads the stock of the order's products and how many orders
        each location serves today. A caller planning many orders passes them instead:
        ``stock`` as ``sellable_units(list(facts.wanted), facts.channel)`` answers (e.g.
        from a ``StockSnapshot``; not changed here) and ``used`` as
        ``capacity_used_today()`` answers (every capped location listed)."""
        self.facts = facts
        self.stock = (sellable_units(list(facts.wanted), facts.channel) if stock is None
                      else dict(stock))
        for (location_id, product_id), units in (extra or {}).items():
            here = self.stock[location_id] = dict(self.stock.get(location_id, {}))
            have, buffer = here.get(product_id, (0, 0))
            here[product_id] = (have + units, buffer)
        # The cached directory: a sourcing run (and a simulation of thousands) reads no
        # location rows.
        self._view = _directory()
        self.locations = self._view.by_id
        self._point = self._view.destination(facts)
        if used is None:
            capped = [i for i in self.stock if self.locations.get(i) and
                      self.locations[i].daily_capacity is not None]
            used = _fulfilments_today(capped) if capped else {}
        self._used = dict(used)
        self._by_code: list[_Place] | None = None
        self._km = self._view.distances(self._point)
        self.places = self._places(self.stock)
        # supplier location id → ships to end customers (drop-ship); filled lazily
        self._suppliers = suppliers
        self._incoming: IncomingPool | None = None

    def _places(self, stock: dict[int, dict[int, tuple[int, int]]]) -> dict[int, _Place]:
        """A place per active location in ``stock`` (location id → product id → units):
        distance, capacity left and how much of the order it has. Hundreds per run, so
        everything it looks up is a local name."""
        locations, point, kms, used = self.locations, self._point, self._km, self._used
        wanted, places = self.facts.wanted, {}
        for location_id, units in stock.items():
            place = locations.get(location_id)
            if place is None:
                continue
            km = None
            if point and place.latitude is not None:
                km = kms.get(location_id)
                if km is None:
                    km = kms[location_id] = distance_km(point[0], point[1], place.latitude,
                                                        place.longitude)
            remaining = None
            if place.daily_capacity is not None:
                if location_id not in used:
                    used.update(_fulfilments_today([location_id]))
                remaining = place.daily_capacity - used[location_id]
            total = 0
            for product_id, (have, _buffer) in units.items():  # covered(wanted)
                need = wanted.get(product_id)
                if need:
                    total += have if have < need else need
            places[location_id] = _Place(place, units, km, remaining, total)
        return places

    def _places_for(self, rule: Rule) -> dict[int, _Place]:
        """The places with their shelf units, plus, when the rule allows it, the free
        units of deliveries expected within its days."""
        days = rule.limits.incoming_days
        if days is None:
            return self.places
        if self._incoming is None:
            self._incoming = IncomingPool(list(self.facts.wanted))
        expected = self._incoming.units(days)
        if not expected:
            return self.places
        default, buffers = channel_buffers(self.facts.channel)
        more = {}
        for location_id, products in expected.items():
            if location_id not in self.locations:
                continue
            units = more[location_id] = dict(self.stock.get(location_id, {}))
            for product_id, free in products.items():
                have, buffer = units.get(product_id, (0, buffers.get(location_id, default)))
                units[product_id] = (have + free, buffer)
        return {**self.places, **self._places(more)}

    def suppliers(self) -> dict[int, bool]:
        if self._suppliers is None:
            from portal.suppliers.services import suppliers_serving

            self._suppliers = {s.location_id: s.dropship
                               for s in suppliers_serving(self.facts.country)
                               if s.location_id is not None}
        return self._suppliers

    def run(self, rules: list[Rule], version: int | None = None,
            explain: bool = True) -> SourcingResult:
        """The plan of the first rule that can make one. ``explain=False`` leaves out
        the trace's lists of locations weighed (a simulation needs them only for the
        orders it shows, and runs those again); plans and scores are the same."""
        trace = []
        for rule in rules:
            entry, plan = self.try_rule(rule, explain)
            trace.append(entry)
            if plan is not None:
                return SourcingResult(plan, trace, rule.name, version)
        return SourcingResult(None, trace, "", version)

    def try_rule(self, rule: Rule, explain: bool = True
                 ) -> tuple[dict, list[Allocation] | None]:
        entry: dict = {"rule": rule.name}
        if not rule.enabled:
            return {**entry, "outcome": "skipped", "reason": {"code": "disabled"}}, None
        mismatch = condition_mismatch(rule.condition, self.facts)
        if mismatch:
            return {**entry, "outcome": "skipped", "reason": mismatch}, None
        places, candidates, considered = self._in_code_order(self._places_for(rule)), [], []
        if not explain:
            # Without the trace only the plan counts, and mostly one place has everything:
            # weigh just those first (the best of them is the plan), all only if none can.
            whole = sum(self.facts.wanted.values())
            candidates = self._kept(rule, [p for p in places if p.total == whole])
        if not candidates:
            candidates = self._kept(rule, places, considered if explain else None)
        if explain:
            entry["locations"] = considered
        plan, score = self._best_plan(rule, candidates)
        if plan is None:
            entry.update(outcome="no_plan", reason={
                "code": "cannot_cover" if candidates else "empty_pool",
                "max": rule.limits.max_fulfilments})
            return entry, None
        if rule.limits.incoming_days is not None and self._incoming is not None:
            plan = self._incoming.split(plan, self.stock, rule.limits.incoming_days)
            promised = [{"location": self.locations[a.location_id].code,
                         "product_id": a.product_id, "quantity": a.quantity,
                         "expected_on": a.expected_on.isoformat()}
                        for a in plan if a.incoming_id is not None]
            if promised:
                score["promised"] = promised
        entry.update(outcome="chosen", score=score)
        return entry, plan

    def _kept(self, rule: Rule, places: list[_Place], considered: list | None = None
              ) -> list[_Place]:
        """The ``places`` that can serve under ``rule``; each one in its pool is described
        in ``considered`` (the trace), kept or with the reason it was dropped."""
        kept, pool = [], rule.pool
        everything = not (pool.kinds or pool.locations or pool.suppliers_serving_country)
        for place in places:
            location = place.location
            if not (everything or location.kind in pool.kinds or location.code in pool.locations
                    or pool.suppliers_serving_country and location.kind == LocationKind.SUPPLIER):
                continue  # outside the pool, as _dropped would say: not in the trace
            reason = self._dropped(rule, place)
            if reason == "outside_pool":
                continue
            if considered is not None:
                considered.append({**place.seen(), "kept": reason is None, "reason": reason})
            if reason is None:
                kept.append(place)
        return kept

    def _in_code_order(self, places: dict[int, _Place]) -> list[_Place]:
        if places is not self.places:
            return sorted(places.values(), key=lambda p: p.location.code)
        if self._by_code is None:  # the same for every rule without incoming stock
            self._by_code = sorted(places.values(), key=lambda p: p.location.code)
        return self._by_code

    def _dropped(self, rule: Rule, place: _Place) -> str | None:
        """Why ``place`` cannot serve under ``rule`` (None: it can)."""
        pool, location = rule.pool, place.location
        in_pool = (location.kind in pool.kinds or location.code in pool.locations
                   or not (pool.kinds or pool.locations or pool.suppliers_serving_country))
        if pool.suppliers_serving_country and location.kind == LocationKind.SUPPLIER:
            in_pool = in_pool or location.id in self.suppliers()
        if not in_pool:
            return "outside_pool"
        if location.id in self.facts.exclude:
            return "excluded"
        if location.kind == LocationKind.SUPPLIER:
            if not rule.limits.allow_dropship:
                return "dropship_not_allowed"
            if not self.suppliers().get(location.id, False):
                return "supplier_not_serving"
        if pool.radius_km is not None and (place.km is None or place.km > pool.radius_km):
            return "too_far"
        if place.remaining is not None and place.remaining <= 0:
            return "over_capacity"
        if place.total == 0:
            return "no_stock"
        return None

    def _key(self, rule: Rule, place: _Place) -> tuple:
        parts = []
        for criterion in rule.ordering:
            location = place.location
            if criterion == "distance":
                parts.append(UNKNOWN if place.km is None else place.km)
            elif criterion == "stock":
                parts.append(-place.total)
            elif criterion == "priority":
                parts.append(location.priority)
            elif criterion == "cost":
                cost = location.shipment_cost
                parts.append(UNKNOWN if cost is None else float(cost))
            elif criterion == "capacity":
                parts.append(-UNKNOWN if place.remaining is None else -place.remaining)
        return (*parts, location.code)

    def _best_plan(self, rule: Rule, candidates: list[_Place]):
        wanted = self.facts.wanted
        if not candidates:
            return None, None
        partial = rule.limits.allow_partial
        # One place with everything is the common case: the best-ranked such place is
        # the one with the smallest key, no need to rank all of them.
        group = _first_alone(candidates, wanted, key=lambda p: self._key(rule, p))
        if group:
            plan = _assign(group, wanted, partial)
            return plan, _score(plan, group)
        if rule.limits.max_fulfilments == 1:
            return None, None
        ranked = sorted(candidates, key=lambda p: self._key(rule, p))
        for size in range(2, min(rule.limits.max_fulfilments, len(ranked)) + 1):
            # Sets come in rank order (best-ranked members first), so the first that
            # covers the order is the one the ordering prefers among the smallest.
            if _too_many(len(ranked), size):
                group = _greedy(ranked, wanted, size, partial)
                group = group if group and _covers(group, wanted, partial) else None
            else:
                group = _first_covering(ranked, wanted, size, partial)
            if group:
                plan = _assign(group, wanted, partial)
                return plan, _score(plan, group)
        return None, None


def _score(plan: list[Allocation], group) -> dict:
    places = {place.location.id: place for place in group}
    used = [places[i] for i in sorted({a.location_id for a in plan})]
    kms = [place.km for place in used if place.km is not None]
    return {"fulfilments": len(used),
            "locations": sorted(place.location.code for place in used),
            "distance_km": round(sum(kms) / len(kms), 1) if kms else None}


def _too_many(n: int, k: int) -> bool:
    from math import comb

    return comb(n, k) > MAX_COMBINATIONS


def _greedy(ranked: list[_Place], wanted: dict[int, int], size: int, partial: bool) -> tuple:
    """Up to ``size`` places, each time the one covering most of what is still open."""
    left, chosen = dict(wanted), []

    def gain(place, open_units) -> int:
        if partial:
            return place.covered(open_units)
        return sum(n for p, n in open_units.items() if place.units.get(p, (0, 0))[0] >= n)

    for _ in range(size):
        # The first place with the most gain (as ``max`` picks), by identity.
        best, most = None, 0
        for place in ranked:
            if place in chosen:
                continue
            units = gain(place, left)
            if units > most:
                best, most = place, units
        if best is None:
            break
        chosen.append(best)
        for product, need in list(left.items()):
            have = best.units.get(product, (0, 0))[0]
            if partial or have >= need:
                left[product] = need - min(have, need)
        left = {p: n for p, n in left.items() if n}
    return tuple(chosen)


def _first_alone(places: list[_Place], wanted: dict[int, int], key=None) -> tuple | None:
    """The best-ranked place (smallest ``key``; without one, the first) that has the
    whole order: partial or not, one place covers exactly when it has every line in
    full, i.e. when ``covered(wanted)`` is everything."""
    everything = sum(wanted.values())
    alone = [place for place in places if place.total == everything]
    if not alone:
        return None
    return (min(alone, key=key) if key else alone[0],)


def _first_covering(ranked: list[_Place], wanted: dict[int, int], size: int,
                    partial: bool) -> tuple | None:
    """The first of ``combinations(ranked, size)`` that covers ``wanted`` (``_covers``),
    tested on small per-place summaries instead of the unit dicts."""
    needs = list(wanted.values())
    if partial:  # units per line, capped at the need: a sum reaches it exactly as before
        vectors = [tuple(min(place.units.get(p, (0, 0))[0], n) for p, n in wanted.items())
                   for place in ranked]
        for indexes in combinations(range(len(ranked)), size):
            if all(sum(vectors[i][k] for i in indexes) >= need
                   for k, need in enumerate(needs)):
                return tuple(ranked[i] for i in indexes)
        return None
    full = (1 << len(needs)) - 1  # a bit per line some member has in full
    masks = [sum(1 << k for k, (p, n) in enumerate(wanted.items())
                 if place.units.get(p, (0, 0))[0] >= n) for place in ranked]
    for indexes in combinations(range(len(ranked)), size):
        mask = 0
        for i in indexes:
            mask |= masks[i]
        if mask == full:
            return tuple(ranked[i] for i in indexes)
    return None


def _covers(group, wanted: dict[int, int], partial: bool) -> bool:
    for product, need in wanted.items():
        if partial:
            if sum(p.units.get(product, (0, 0))[0] for p in group) < need:
                return False
        elif not any(p.units.get(product, (0, 0))[0] >= need for p in group):
            return False
    return True


def _assign(group, wanted: dict[int, int], partial: bool) -> list[Allocation]:
    """Units per product from the group's places in rank order; every place used."""
    plan = []
    for product, need in wanted.items():
        for place in group:
            units, buffer = place.units.get(product, (0, 0))
            take = min(units, need) if partial else (need if units >= need else 0)
            if take:
                plan.append(Allocation(product, place.location.id, take, buffer))
                need -= take
            if not need:
                break
    return plan
