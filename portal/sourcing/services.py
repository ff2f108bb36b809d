"""Rule versions and sourcing runs: the only writers of sourcing models.

Until a manager publishes a version, the built-in ``DEFAULT_RULES`` route orders. A
draft starts as a copy of the published version; publishing switches versions in one
transaction; rolling back publishes an earlier version again.
"""

from __future__ import annotations

import json
import threading
import time

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.audit.services import actor_label, record_audit
from portal.db import db, transaction, utcnow
from portal.errors import DomainError, NotFound
from portal.sourcing.engine import Engine, OrderFacts, SourcingResult
from portal.sourcing.models import RuleSet, SourcingDecision, SourcingRule
from portal.sourcing.rules import Rule, rule_from_dict
from portal.sourcing.status import RuleSetStatus

MAX_RULES = 30
DEFAULT_RULES = [
    {"name": "Click & Collect from the pickup store",
     "condition": {"delivery_methods": ["click_collect"]},
     "pool": {"kinds": ["store"], "radius_km": 0}, "ordering": ["distance"],
     "limits": {"max_fulfilments": 1}},
    {"name": "Nearest with the fewest parcels",
     "pool": {"kinds": ["store", "warehouse", "partner", "marketplace"]},
     "ordering": ["distance", "priority"],
     "limits": {"max_fulfilments": 3, "allow_partial": True}},
    {"name": "Supplier drop-ship",
     "pool": {"suppliers_serving_country": True}, "ordering": ["distance"],
     "limits": {"max_fulfilments": 1, "allow_dropship": True}},
]


class RuleSetError(DomainError):
    status = 409


_lock = threading.Lock()
_cache: dict = {"at": float("-inf"), "database": None, "value": None}


def published_rules() -> tuple[int | None, list[Rule]]:
    """The version that routes orders now and its rules (the defaults: version None),
    cached for LOCATION_CACHE_SECONDS like the location directory."""
    ttl = current_app.config.get("LOCATION_CACHE_SECONDS", 5)
    now = time.monotonic()
    if now - _cache["at"] < ttl and _cache["database"] is db.obj:
        return _cache["value"]
    current = RuleSet.get_or_none(RuleSet.status == RuleSetStatus.PUBLISHED)
    value = ((current.version, rules_of(current)) if current
             else (None, [rule_from_dict(r) for r in DEFAULT_RULES]))
    with _lock:
        _cache.update(at=now, database=db.obj, value=value)
    return value


def forget_rules() -> None:
    with _lock:
        _cache["at"] = float("-inf")


def rules_of(ruleset: RuleSet) -> list[Rule]:
    return [row.rule for row in ruleset.rules.order_by(SourcingRule.position)]


def source(facts: OrderFacts) -> SourcingResult:
    """Plan ``facts`` with the published rules (reads only)."""
    version, rules = published_rules()
    return Engine(facts).run(rules, version)


def record_decision(order, result: SourcingResult, reason: str = "placed") -> None:
    """Keep the trace with the order (inside the caller's transaction)."""
    from portal.locations.directory import location_directory

    codes = {i: place.code for i, place in location_directory().items()}
    SourcingDecision.create(order=order, version=result.version,
                            rule_name=result.rule_name[:80], reason=reason,
                            plan=json.dumps(result.plan_json(codes)),
                            trace=json.dumps(result.trace))


# --- versions -----------------------------------------------------------------------

def get_ruleset(version: int) -> RuleSet:
    ruleset = RuleSet.get_or_none(RuleSet.version == version)
    if ruleset is None:
        raise NotFound(str(_l("No rule version %(v)s.", v=version)))
    return ruleset


def new_draft(actor, copy_of: int | None = None, note: str = "") -> RuleSet:
    """A draft holding the rules of ``copy_of`` (default: the published ones)."""
    rules = rules_of(get_ruleset(copy_of)) if copy_of is not None else published_rules()[1]
    with transaction():
        latest = RuleSet.select(RuleSet.version).order_by(RuleSet.version.desc()).first()
        draft = RuleSet.create(version=(latest.version if latest else 0) + 1,
                               status=RuleSetStatus.DRAFT, note=note[:200],
                               created_by=actor_label(actor))
        _write_rules(draft, rules)
        record_audit(actor, "sourcing.draft_created", draft, version=draft.version,
                     copy_of=copy_of)
    return draft


def publish_new_version(rules: list[dict], actor, note: str = "") -> RuleSet:
    """Validate ``rules`` (stored form), save them as a new version and publish it."""
    parsed = [rule_from_dict(data) for data in rules]
    with transaction():
        draft = new_draft(actor, note=note)
        _write_rules(draft, parsed)
        return publish(draft, actor)


def _write_rules(ruleset: RuleSet, rules: list[Rule]) -> None:
    SourcingRule.delete().where(SourcingRule.ruleset == ruleset).execute()
    SourcingRule.insert_many([{"ruleset": ruleset.id, "position": i,
                               "data": json.dumps(rule.as_dict())}
                              for i, rule in enumerate(rules)]).execute() if rules else None


def _editable(ruleset: RuleSet) -> None:
    if ruleset.status != RuleSetStatus.DRAFT:
        raise RuleSetError(str(_l("Only a draft can be changed; start a new draft.")))


def save_rule(ruleset: RuleSet, position: int | None, data: dict, actor) -> Rule:
    """Replace the rule at ``position`` (None: append) with validated ``data``."""
    _editable(ruleset)
    rule = rule_from_dict(data)
    rules = rules_of(ruleset)
    if position is None:
        if len(rules) >= MAX_RULES:
            raise RuleSetError(str(_l("A version has at most %(n)s rules.", n=MAX_RULES)))
        rules.append(rule)
    elif 0 <= position < len(rules):
        rules[position] = rule
    else:
        raise NotFound(str(_l("No such rule.")))
    with transaction():
        _write_rules(ruleset, rules)
        record_audit(actor, "sourcing.rule_saved", ruleset, version=ruleset.version,
                     rule=rule.name, position=position)
    return rule


def delete_rule(ruleset: RuleSet, position: int, actor) -> None:
    _editable(ruleset)
    rules = rules_of(ruleset)
    if not 0 <= position < len(rules):
        raise NotFound(str(_l("No such rule.")))
    removed = rules.pop(position)
    with transaction():
        _write_rules(ruleset, rules)
        record_audit(actor, "sourcing.rule_deleted", ruleset, version=ruleset.version,
                     rule=removed.name)


def reorder_rules(ruleset: RuleSet, order: list[int], actor) -> None:
    """Put the rules in the order of their old positions in ``order`` (a permutation)."""
    _editable(ruleset)
    rules = rules_of(ruleset)
    if sorted(order) != list(range(len(rules))):
        raise RuleSetError(str(_l("The new order must name every rule once.")), status=400)
    with transaction():
        _write_rules(ruleset, [rules[i] for i in order])
        record_audit(actor, "sourcing.rules_reordered", ruleset, version=ruleset.version,
                     order=order)


def move_rule(ruleset: RuleSet, position: int, step: int, actor) -> None:
    """Move one rule up (-1) or down (+1): the keyboard and no-JS way to reorder."""
    count = len(rules_of(ruleset))
    target = position + step
    if not (0 <= position < count and 0 <= target < count):
        raise RuleSetError(str(_l("The rule cannot move further.")), status=400)
    order = list(range(count))
    order[position], order[target] = order[target], order[position]
    reorder_rules(ruleset, order, actor)


def publish(ruleset: RuleSet, actor) -> RuleSet:
    """Make ``ruleset`` (a draft or an earlier version) the one that routes orders."""
    from portal.sourcing.checks import check_rules

    if ruleset.status == RuleSetStatus.PUBLISHED:
        raise RuleSetError(str(_l("Version %(v)s is already published.", v=ruleset.version)))
    problems = [p for p in check_rules(rules_of(ruleset)) if p.blocking]
    if problems:
        raise RuleSetError(problems[0].message, status=400)
    with transaction():
        (RuleSet.update(status=RuleSetStatus.ARCHIVED)
         .where(RuleSet.status == RuleSetStatus.PUBLISHED).execute())
        moved = (RuleSet.update(status=RuleSetStatus.PUBLISHED, published_by=actor_label(actor),
                                published_at=utcnow())
                 .where(RuleSet.id == ruleset.id, RuleSet.status == ruleset.status).execute())
        if moved != 1:
            raise RuleSetError(str(_l("The version changed meanwhile; reload it.")))
        record_audit(actor, "sourcing.published", ruleset, version=ruleset.version,
                     was=ruleset.status)
    forget_rules()
    return RuleSet.get_by_id(ruleset.id)
