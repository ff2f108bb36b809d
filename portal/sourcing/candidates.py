"""Which rules apply and which places a rule may take from: the first part of a rule's
condition an order fails, and per place in the rule's pool whether it is kept or the
reason it is dropped (``excluded``, ``stale_feed``, ``dropship_not_allowed``,
``supplier_not_serving``, ``too_far``, ``over_capacity``, ``no_stock``), as the trace
records them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from portal.locations.status import LocationKind
from portal.sourcing.places import Place
from portal.sourcing.rules import Condition, Rule

if TYPE_CHECKING:
    from portal.sourcing.engine import OrderFacts

Suppliers = Callable[[], dict[int, bool]]  # supplier location id → drop-ships; asked lazily
Stale = Callable[[], frozenset[int]]  # locations whose stock feed is stale; asked lazily


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


def kept_places(rule: Rule, places: list[Place], facts: OrderFacts, suppliers: Suppliers,
                considered: list | None = None, stale: Stale | None = None) -> list[Place]:
    """The ``places`` that can serve under ``rule``; each one in its pool is described
    in ``considered`` (the trace), kept or with the reason it was dropped."""
    kept, pool = [], rule.pool
    everything = not (pool.kinds or pool.locations or pool.suppliers_serving_country)
    for place in places:
        location = place.location
        if not (everything or location.kind in pool.kinds or location.code in pool.locations
                or pool.suppliers_serving_country and location.kind == LocationKind.SUPPLIER):
            continue  # outside the pool, as drop_reason would say: not in the trace
        reason = drop_reason(rule, place, facts, suppliers, stale)
        if reason == "outside_pool":
            continue
        if considered is not None:
            considered.append({**place.seen(), "kept": reason is None, "reason": reason})
        if reason is None:
            kept.append(place)
    return kept


def drop_reason(rule: Rule, place: Place, facts: OrderFacts, suppliers: Suppliers,
                stale: Stale | None = None) -> str | None:
    """Why ``place`` cannot serve under ``rule`` (None: it can)."""
    pool, location = rule.pool, place.location
    in_pool = (location.kind in pool.kinds or location.code in pool.locations
               or not (pool.kinds or pool.locations or pool.suppliers_serving_country))
    if pool.suppliers_serving_country and location.kind == LocationKind.SUPPLIER:
        in_pool = in_pool or location.id in suppliers()
    if not in_pool:
        return "outside_pool"
    if location.id in facts.exclude:
        return "excluded"
    if pool.fresh_feeds_only and stale is not None and location.id in stale():
        return "stale_feed"
    if location.kind == LocationKind.SUPPLIER:
        if not rule.limits.allow_dropship:
            return "dropship_not_allowed"
        if not suppliers().get(location.id, False):
            return "supplier_not_serving"
    if pool.radius_km is not None and (place.km is None or place.km > pool.radius_km):
        return "too_far"
    if place.remaining is not None and place.remaining <= 0:
        return "over_capacity"
    if place.total == 0:
        return "no_stock"
    return None
