"""The plan search of one rule over its kept places: rank them by the rule's ordering
(distance, stock, priority, cost, capacity; then code), take the fewest places that
cover the order (one place with everything first, then every set of 2, 3 … in rank
order, greedy beyond ``MAX_COMBINATIONS`` sets), assign units in rank order and score
the plan for the trace."""

from __future__ import annotations

from itertools import combinations

from portal.orders.allocation import Allocation
from portal.sourcing.places import Place
from portal.sourcing.rules import Rule

UNKNOWN = 1e9          # sorts a missing distance, cost or capacity last
MAX_COMBINATIONS = 5000  # beyond this many location sets, fall back to a greedy plan


def rank_key(rule: Rule, place: Place) -> tuple:
    """The sort key of ``place`` under the rule's ordering (smaller is better)."""
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


def best_plan(rule: Rule, candidates: list[Place], wanted: dict[int, int]
              ) -> tuple[list[Allocation] | None, dict | None]:
    """The plan with the fewest places, ties broken by the ordering, and its score;
    ``(None, None)`` when no set within ``rule.limits.max_fulfilments`` covers it."""
    if not candidates:
        return None, None
    partial = rule.limits.allow_partial
    # One place with everything is the common case: the best-ranked such place is
    # the one with the smallest key, no need to rank all of them.
    group = _first_alone(candidates, wanted, key=lambda p: rank_key(rule, p))
    if group:
        plan = _assign(group, wanted, partial)
        return plan, _score(plan, group)
    if rule.limits.max_fulfilments == 1:
        return None, None
    ranked = sorted(candidates, key=lambda p: rank_key(rule, p))
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


def _greedy(ranked: list[Place], wanted: dict[int, int], size: int, partial: bool) -> tuple:
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


def _first_alone(places: list[Place], wanted: dict[int, int], key=None) -> tuple | None:
    """The best-ranked place (smallest ``key``; without one, the first) that has the
    whole order: partial or not, one place covers exactly when it has every line in
    full, i.e. when ``covered(wanted)`` is everything."""
    everything = sum(wanted.values())
    alone = [place for place in places if place.total == everything]
    if not alone:
        return None
    return (min(alone, key=key) if key else alone[0],)


def _first_covering(ranked: list[Place], wanted: dict[int, int], size: int,
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
