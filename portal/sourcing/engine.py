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


@dataclass
class _Place:
    location: LocationInfo
    units: dict[int, tuple[int, int]]  # product id → (sellable units, channel buffer)
    km: float | None
    remaining: int | None              # daily capacity left, None = unlimited

    def covered(self, wanted: dict[int, int]) -> int:
        return sum(min(self.units.get(p, (0, 0))[0], n) for p, n in wanted.items())


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


def _fulfilments_today(location_ids: list[int]) -> dict[int, int]:
    start = to_utc(datetime.combine(local_today(), time.min)).replace(tzinfo=None)
    rows = (Reservation.select(Reservation.location, fn.COUNT(fn.DISTINCT(OrderLine.order)))
            .join(OrderLine)
            .where(Reservation.location.in_(location_ids), Reservation.created_at >= start)
            .group_by(Reservation.location).tuples())
    return dict(rows)


class Engine:
    """One sourcing run over ``facts``: loads stock and locations once, then tries rules."""

    def __init__(self, facts: OrderFacts, suppliers: dict[int, bool] | None = None,
                 extra: dict[tuple[int, int], int] | None = None):
        """``extra`` adds units per (location id, product id) to what is sellable now:
        a simulation gives an existing order its own reservations back."""
        self.facts = facts
        self.stock = sellable_units(list(facts.wanted), facts.channel)
        for (location_id, product_id), units in (extra or {}).items():
            here = self.stock.setdefault(location_id, {})
            have, buffer = here.get(product_id, (0, 0))
            here[product_id] = (have + units, buffer)
        # The cached directory: a sourcing run (and a simulation of thousands) reads no
        # location rows.
        all_places = [p for p in location_directory().values() if p.active]
        self.locations = {p.id: p for p in all_places}
        self._point = destination_point(facts, all_places)
        capped = [i for i in self.stock if self.locations.get(i) and
                  self.locations[i].daily_capacity is not None]
        self._used = _fulfilments_today(capped) if capped else {}
        self.places: dict[int, _Place] = {
            location_id: self._place(location_id, units)
            for location_id, units in self.stock.items() if location_id in self.locations}
        # supplier location id → ships to end customers (drop-ship); filled lazily
        self._suppliers = suppliers
        self._incoming: IncomingPool | None = None

    def _place(self, location_id: int, units: dict[int, tuple[int, int]]) -> _Place:
        place, point = self.locations[location_id], self._point
        km = (distance_km(point[0], point[1], place.latitude, place.longitude)
              if point and place.latitude is not None else None)
        if place.daily_capacity is not None and location_id not in self._used:
            self._used.update(_fulfilments_today([location_id]) or {location_id: 0})
        remaining = (None if place.daily_capacity is None
                     else place.daily_capacity - self._used.get(location_id, 0))
        return _Place(place, units, km, remaining)

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
        places = dict(self.places)
        for location_id, products in expected.items():
            if location_id not in self.locations:
                continue
            units = dict(self.stock.get(location_id, {}))
            for product_id, free in products.items():
                have, buffer = units.get(product_id, (0, buffers.get(location_id, default)))
                units[product_id] = (have + free, buffer)
            places[location_id] = self._place(location_id, units)
        return places

    def suppliers(self) -> dict[int, bool]:
        if self._suppliers is None:
            from portal.suppliers.services import suppliers_serving

            self._suppliers = {s.location_id: s.dropship
                               for s in suppliers_serving(self.facts.country)
                               if s.location_id is not None}
        return self._suppliers

    def run(self, rules: list[Rule], version: int | None = None) -> SourcingResult:
        trace = []
        for rule in rules:
            entry, plan = self.try_rule(rule)
            trace.append(entry)
            if plan is not None:
                return SourcingResult(plan, trace, rule.name, version)
        return SourcingResult(None, trace, "", version)

    def try_rule(self, rule: Rule) -> tuple[dict, list[Allocation] | None]:
        entry: dict = {"rule": rule.name}
        if not rule.enabled:
            return {**entry, "outcome": "skipped", "reason": {"code": "disabled"}}, None
        mismatch = condition_mismatch(rule.condition, self.facts)
        if mismatch:
            return {**entry, "outcome": "skipped", "reason": mismatch}, None
        candidates, considered = [], []
        places = self._places_for(rule)
        for location_id in sorted(places, key=lambda i: places[i].location.code):
            place = places[location_id]
            reason = self._dropped(rule, place)
            if reason == "outside_pool":
                continue
            considered.append({"code": place.location.code, "kind": place.location.kind,
                               "km": None if place.km is None else round(place.km, 1),
                               "units": place.covered(self.facts.wanted),
                               "kept": reason is None, "reason": reason})
            if reason is None:
                candidates.append(place)
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
        if place.covered(self.facts.wanted) == 0:
            return "no_stock"
        return None

    def _key(self, rule: Rule, place: _Place) -> tuple:
        parts = []
        for criterion in rule.ordering:
            location = place.location
            if criterion == "distance":
                parts.append(UNKNOWN if place.km is None else place.km)
            elif criterion == "stock":
                parts.append(-place.covered(self.facts.wanted))
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
        ranked = sorted(candidates, key=lambda p: self._key(rule, p))
        partial = rule.limits.allow_partial
        for size in range(1, min(rule.limits.max_fulfilments, len(ranked)) + 1):
            # Sets come in rank order (best-ranked members first), so the first that
            # covers the order is the one the ordering prefers among the smallest.
            sets = combinations(ranked, size)
            if size > 1 and _too_many(len(ranked), size):
                sets = iter([_greedy(ranked, wanted, size, partial)])
            for group in sets:
                if group and _covers(group, wanted, partial):
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
        best = max((p for p in ranked if p not in chosen),
                   key=lambda place: gain(place, left), default=None)
        if best is None or gain(best, left) == 0:
            break
        chosen.append(best)
        for product, need in list(left.items()):
            have = best.units.get(product, (0, 0))[0]
            if partial or have >= need:
                left[product] = need - min(have, need)
        left = {p: n for p, n in left.items() if n}
    return tuple(chosen)


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
