"""Checks a manager sees before publishing: rules that can never win and pools that can
never hold stock. Blocking problems stop publishing; the others are warnings."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.locations.models import Location
from portal.locations.status import LocationKind
from portal.sourcing.labels import rule_label
from portal.sourcing.rules import Condition, Rule


@dataclass(frozen=True)
class Problem:
    position: int | None  # the rule (0-based) or None for the whole version
    message: str
    blocking: bool = False


def _covers_condition(earlier: Condition, later: Condition) -> bool:
    """Every order ``later`` matches is matched by ``earlier`` too (conservatively)."""
    def wider(a: list, b: list) -> bool:
        return not a or (bool(b) and set(b) <= set(a))

    return (wider(earlier.channels, later.channels)
            and wider(earlier.delivery_methods, later.delivery_methods)
            and wider(earlier.countries, later.countries)
            and set(earlier.exclude_countries) <= set(later.exclude_countries)
            and wider(earlier.postcode_prefixes, later.postcode_prefixes)
            and wider(earlier.tags, later.tags)
            and wider(earlier.categories, later.categories)
            and wider(earlier.customer_groups, later.customer_groups)
            and (earlier.min_value is None or (later.min_value is not None
                                               and later.min_value >= earlier.min_value))
            and (earlier.max_value is None or (later.max_value is not None
                                               and later.max_value <= earlier.max_value)))


def _covers_pool(earlier: Rule, later: Rule) -> bool:
    """``earlier`` may use every location ``later`` may, with limits at least as loose."""
    a, b = earlier.pool, later.pool
    everything = not (a.kinds or a.locations or a.suppliers_serving_country)
    kinds_ok = everything or (set(b.kinds) <= set(a.kinds) and set(b.locations) <= set(a.locations)
                              and (a.suppliers_serving_country or not b.suppliers_serving_country)
                              and (b.kinds or b.locations or b.suppliers_serving_country))
    radius_ok = a.radius_km is None or (b.radius_km is not None and b.radius_km <= a.radius_km)
    fresh_ok = b.fresh_feeds_only or not a.fresh_feeds_only  # a's pool may not be smaller
    la, lb = earlier.limits, later.limits
    limits_ok = (la.max_fulfilments >= lb.max_fulfilments
                 and (la.allow_partial or not lb.allow_partial)
                 and (la.allow_dropship or not lb.allow_dropship))
    return kinds_ok and radius_ok and fresh_ok and limits_ok


def check_rules(rules: list[Rule]) -> list[Problem]:
    problems: list[Problem] = []
    if not any(rule.enabled for rule in rules):
        problems.append(Problem(None, str(_l("No rule is switched on: every order would need "
                                             "attention.")), blocking=True))
    active = {code: kind for code, kind in Location.select(Location.code, Location.kind)
              .where(Location.active == True).tuples()}  # noqa: E712
    for position, rule in enumerate(rules):
        if not rule.enabled:
            continue
        unknown = [code for code in rule.pool.locations if code not in active]
        if unknown:
            problems.append(Problem(position, str(_l(
                "“%(rule)s” names locations that do not exist or are inactive: %(codes)s.",
                rule=rule_label(rule.name), codes=", ".join(unknown))), blocking=True))
        if _pool_is_empty(rule, active):
            problems.append(Problem(position, str(_l(
                "“%(rule)s” has an empty pool: no active location can serve it now, so "
                "orders pass on to the next rule.", rule=rule_label(rule.name)))))
        for earlier in rules[:position]:
            if earlier.enabled and _covers_condition(earlier.condition, rule.condition) \
                    and _covers_pool(earlier, rule):
                problems.append(Problem(position, str(_l(
                    "“%(rule)s” is unreachable: “%(earlier)s” above it matches the same orders "
                    "with the same or a wider pool, so whenever it fails this one fails too.",
                    rule=rule_label(rule.name), earlier=rule_label(earlier.name)))))
                break
    return problems


def _pool_is_empty(rule: Rule, active: dict[str, str]) -> bool:
    pool = rule.pool
    kinds = set(pool.kinds) | {active[c] for c in pool.locations if c in active}
    if not (pool.kinds or pool.locations or pool.suppliers_serving_country):
        kinds = {kind for kind in active.values()}
    if pool.suppliers_serving_country:
        kinds.add(LocationKind.SUPPLIER)
    if not rule.limits.allow_dropship:
        kinds.discard(LocationKind.SUPPLIER)
    present = set(active.values())
    return not (kinds & present)
