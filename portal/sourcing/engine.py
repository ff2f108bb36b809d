"""The sourcing engine: given an order's facts and the published rules, a plan (units
per product and location) and an explain trace of every rule and location it looked at.

Rules are tried in order; the first whose condition matches and whose pool can cover
the order wins. Within a rule the plan with the fewest locations wins, ties broken by
the rule's ordering (distance, stock, priority, cost, capacity). The engine only reads;
``place_order`` reserves the plan and asks again when a reservation loses a race.

This module holds the run (``Engine``) and what goes in and out; ``places.py`` the
locations it weighs, ``candidates.py`` the conditions and pools, ``plans.py`` the plan
search. Trace entries are plain JSON: reasons are codes with parameters (``no_stock``,
``too_far`` ...) that screens translate (see ``labels.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from portal.inventory.availability import channel_buffers
from portal.locations.models import Location
from portal.orders.allocation import Allocation, sellable_units
from portal.sourcing.candidates import condition_mismatch, kept_places
from portal.sourcing.incoming import IncomingPool
from portal.sourcing.places import Place, build_places, directory_view, fulfilments_today
from portal.sourcing.plans import best_plan
from portal.sourcing.rules import Rule


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
        self._view = directory_view()
        self.locations = self._view.by_id
        self._point = self._view.destination(facts)
        if used is None:
            capped = [i for i in self.stock if self.locations.get(i) and
                      self.locations[i].daily_capacity is not None]
            used = fulfilments_today(capped) if capped else {}
        self._used = dict(used)
        self._by_code: list[Place] | None = None
        self._km = self._view.distances(self._point)
        self.places = self._places(self.stock)
        # supplier location id → ships to end customers (drop-ship); filled lazily
        self._suppliers = suppliers
        self._incoming: IncomingPool | None = None
        self._stale: frozenset[int] | None = None

    def _places(self, stock: dict[int, dict[int, tuple[int, int]]]) -> dict[int, Place]:
        """A place per active location in ``stock`` (see ``places.build_places``)."""
        return build_places(stock, self.locations, self._point, self._km, self._used,
                            self.facts.wanted)

    def _places_for(self, rule: Rule) -> dict[int, Place]:
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

    def stale_locations(self) -> frozenset[int]:
        """Locations whose stock feed is stale (``pool.fresh_feeds_only``); read once."""
        if self._stale is None:
            from portal.feeds.freshness import stale_location_ids

            self._stale = stale_location_ids()
        return self._stale

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
        """The trace entry of ``rule`` (skipped, no_plan or chosen with its score) and
        its plan, if any."""
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
            candidates = kept_places(rule, [p for p in places if p.total == whole],
                                     self.facts, self.suppliers, stale=self.stale_locations)
        if not candidates:
            candidates = kept_places(rule, places, self.facts, self.suppliers,
                                     considered if explain else None, self.stale_locations)
        if explain:
            entry["locations"] = considered
        plan, score = best_plan(rule, candidates, self.facts.wanted)
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

    def _in_code_order(self, places: dict[int, Place]) -> list[Place]:
        if places is not self.places:
            return sorted(places.values(), key=lambda p: p.location.code)
        if self._by_code is None:  # the same for every rule without incoming stock
            self._by_code = sorted(places.values(), key=lambda p: p.location.code)
        return self._by_code
