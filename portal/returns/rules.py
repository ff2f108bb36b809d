"""The restock rules editor's service: the only writer of ``RestockRule``.

``create_rule``, ``update_rule``, ``delete_rule``, ``move_rule``, ``reorder_rules`` and
``set_active`` each validate first (``RestockRuleInvalid`` names the field, nothing is
written), then in one transaction change the rules, renumber them 1..n in their order
(positions stay dense) and write an audit event. On PostgreSQL the table is locked
against other writers for the transaction, so two managers never interleave a renumbering
(SQLite's write transaction already serialises them). ``describe`` turns a rule into a
sentence, ``explain`` tells what ``restock.decide`` would do with an item and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from portal.audit.services import actor_label, record_audit
from portal.db import db, is_sqlite, transaction, utcnow
from portal.errors import DomainError, NotFound
from portal.inventory.models import Product
from portal.locations.models import Location
from portal.returns.models import RestockRule
from portal.returns.restock import FALLBACK, Decision, Need, decide, matches, neediest
from portal.returns.status import Condition, Disposition

MAX_RULES = 50
MAX_NAME = 80
MAX_CATEGORY = 80
CATEGORIES_WIDTH = RestockRule.categories.max_length

# Condition words as they read inside a sentence ("damaged items").
CONDITION_WORDS = {Condition.NEW: _l("new"), Condition.OPENED: _l("opened"),
                   Condition.DAMAGED: _l("damaged")}
ACTION_WORDS = {Disposition.RESTOCK: _l("back to stock"),
                Disposition.TRANSFER: _l("transfer to the location that needs it"),
                Disposition.REFURBISH: _l("refurbish"), Disposition.SCRAP: _l("scrap")}


class RestockRuleInvalid(DomainError):
    code = "invalid"
    status = 400


@dataclass(frozen=True)
class RuleData:
    """A rule's fields, checked and normalised."""

    name: str
    conditions: tuple[str, ...]
    categories: tuple[str, ...]
    action: str
    active: bool = True

    def columns(self) -> dict:
        return {"name": self.name, "conditions": ",".join(self.conditions),
                "categories": ",".join(self.categories), "action": self.action,
                "active": self.active}


def known_categories() -> list[str]:
    """The distinct categories of the products, sorted."""
    return [c for (c,) in Product.select(Product.category).distinct()
            .order_by(Product.category).tuples() if c]


def check_rule(data: dict) -> RuleData:
    """``data`` (name, conditions, categories, action, active) checked: conditions must
    be Condition values, categories are trimmed (a known category's spelling wins), the
    action a Disposition; RestockRuleInvalid names every bad field."""
    errors: dict[str, str] = {}
    name = " ".join(str(data.get("name") or "").split())
    if not 1 <= len(name) <= MAX_NAME:
        errors["name"] = str(_l("Enter a name of 1 to %(n)s characters.", n=MAX_NAME))
    wanted = {str(c).strip() for c in data.get("conditions") or () if str(c).strip()}
    if wanted - set(Condition):
        errors["conditions"] = str(_l("Choose conditions from the list."))
    conditions = tuple(c.value for c in Condition if c.value in wanted)
    categories, problem = _categories(data.get("categories") or ())
    if problem:
        errors["categories"] = problem
    action = str(data.get("action") or "")
    if action not in set(Disposition):
        errors["action"] = str(_l("Choose what happens to the item."))
    if errors:
        raise RestockRuleInvalid(str(_l("The rule was not saved: please correct the marked "
                                        "fields.")), fields=errors)
    return RuleData(name, conditions, categories, action, bool(data.get("active", True)))


def _categories(values) -> tuple[tuple[str, ...], str]:
    """The trimmed, de-duplicated categories and a problem ('' when none)."""
    spelling = {c.casefold(): c for c in known_categories()}
    result: list[str] = []
    for value in values:
        text = " ".join(str(value).split())
        if not text:
            continue
        if "," in text:
            return (), str(_l("A category cannot contain a comma."))
        if len(text) > MAX_CATEGORY:
            return (), str(_l("A category has at most %(n)s characters.", n=MAX_CATEGORY))
        text = spelling.get(text.casefold(), text)
        if text not in result:
            result.append(text)
    if len(",".join(result)) > CATEGORIES_WIDTH:
        return (), str(_l("Too many categories for one rule: split it into two rules."))
    return tuple(result), ""


# --- reading --------------------------------------------------------------------------

def rules_in_order() -> list[RestockRule]:
    return list(RestockRule.select().order_by(RestockRule.position, RestockRule.id))


def get_rule(rule_id: int) -> RestockRule:
    rule = RestockRule.get_or_none(RestockRule.id == rule_id)
    if rule is None:
        raise NotFound(str(_l("No such rule.")))
    return rule


def _listed(words) -> str:
    return format_list([str(w) for w in words], style="or", locale=str(get_locale() or "en"))


def describe(rule: RestockRule) -> str:
    """The rule as a sentence: "Damaged items in Shoes → refurbish"."""
    action = str(ACTION_WORDS.get(rule.action, rule.action))
    conditions = [CONDITION_WORDS[Condition(c)] for c in rule.condition_list
                  if c in set(Condition)]
    categories = rule.category_list
    if conditions and len(conditions) < len(Condition):
        which = _listed(conditions)
        which = which[:1].upper() + which[1:]
        if categories:
            return str(_l("%(conditions)s items in %(categories)s → %(action)s",
                          conditions=which, categories=_listed(categories), action=action))
        return str(_l("%(conditions)s items → %(action)s", conditions=which, action=action))
    if categories:
        return str(_l("All items in %(categories)s → %(action)s",
                      categories=_listed(categories), action=action))
    return str(_l("All items → %(action)s", action=action))


# --- writing --------------------------------------------------------------------------

def _lock() -> None:
    """Keep other rule writers out until this transaction ends (PostgreSQL; SQLite's
    BEGIN IMMEDIATE already does). Readers such as ``decide`` are not blocked."""
    if not is_sqlite():
        db.execute_sql('LOCK TABLE "restock_rule" IN EXCLUSIVE MODE')


def _renumber(ordered_ids: list[int]) -> None:
    """Positions 1..n in the order of ``ordered_ids``; only changed rows are written."""
    current = dict(RestockRule.select(RestockRule.id, RestockRule.position).tuples())
    for position, rule_id in enumerate(ordered_ids, 1):
        if current.get(rule_id) != position:
            (RestockRule.update(position=position)
             .where(RestockRule.id == rule_id).execute())


def _ids() -> list[int]:
    return [r.id for r in RestockRule.select(RestockRule.id)
            .order_by(RestockRule.position, RestockRule.id)]


def create_rule(data: dict, actor) -> RestockRule:
    """A new rule, tried last."""
    checked = check_rule(data)
    with transaction():
        _lock()
        ids = _ids()
        if len(ids) >= MAX_RULES:
            raise RestockRuleInvalid(str(_l("There are at most %(n)s restock rules.",
                                            n=MAX_RULES)), status=409)
        rule = RestockRule.create(position=len(ids) + 1, updated_at=utcnow(),
                                  updated_by=actor_label(actor)[:160], **checked.columns())
        _renumber([*ids, rule.id])
        record_audit(actor, "restock_rule.created", rule, **_detail(checked),
                     position=len(ids) + 1)
    return get_rule(rule.id)


def update_rule(rule_id: int, data: dict, actor) -> RestockRule:
    checked = check_rule(data)
    with transaction():
        _lock()
        get_rule(rule_id)
        (RestockRule.update(updated_at=utcnow(), updated_by=actor_label(actor)[:160],
                            **checked.columns())
         .where(RestockRule.id == rule_id).execute())
        record_audit(actor, "restock_rule.updated", get_rule(rule_id), **_detail(checked))
    return get_rule(rule_id)


def delete_rule(rule_id: int, actor) -> RestockRule:
    """Delete a rule; the rules below move up. Returns the deleted row."""
    with transaction():
        _lock()
        rule = get_rule(rule_id)
        RestockRule.delete().where(RestockRule.id == rule_id).execute()
        _renumber(_ids())
        record_audit(actor, "restock_rule.deleted", rule, name=rule.name,
                     position=rule.position)
    return rule


def set_active(rule_id: int, active: bool, actor) -> RestockRule:
    with transaction():
        _lock()
        rule = get_rule(rule_id)
        if rule.active != active:
            (RestockRule.update(active=active, updated_at=utcnow(),
                                updated_by=actor_label(actor)[:160])
             .where(RestockRule.id == rule_id).execute())
            record_audit(actor, "restock_rule.activated" if active
                         else "restock_rule.deactivated", rule, name=rule.name)
    return get_rule(rule_id)


def move_rule(rule_id: int, step: int, actor) -> RestockRule:
    """One place up (-1) or down (+1): the keyboard and no-JS way to reorder."""
    with transaction():
        _lock()
        ids = _ids()
        if rule_id not in ids:
            raise NotFound(str(_l("No such rule.")))
        at = ids.index(rule_id)
        target = at + step
        if step not in (-1, 1) or not 0 <= target < len(ids):
            raise RestockRuleInvalid(str(_l("The rule cannot move further.")))
        ids[at], ids[target] = ids[target], ids[at]
        _renumber(ids)
        record_audit(actor, "restock_rule.moved", get_rule(rule_id),
                     name=get_rule(rule_id).name, position=target + 1)
    return get_rule(rule_id)


def reorder_rules(ordered_ids: list[int], actor) -> None:
    """Put the rules in the order of ``ordered_ids`` (every rule's id once)."""
    with transaction():
        _lock()
        ids = _ids()
        if sorted(ordered_ids) != sorted(ids):
            raise RestockRuleInvalid(str(_l("The rules changed meanwhile: reload the page and "
                                            "try again.")), status=409)
        if ordered_ids != ids:
            _renumber(ordered_ids)
            record_audit(actor, "restock_rule.reordered", None, order=ordered_ids)


def _detail(checked: RuleData) -> dict:
    return {"name": checked.name, "conditions": list(checked.conditions),
            "categories": list(checked.categories), "disposition": checked.action,
            "active": checked.active}


# --- trying ----------------------------------------------------------------------------

@dataclass
class Trial:
    """What ``decide`` does with one returned item, and why; nothing is written."""

    product: Product
    condition: str
    here: Location
    decision: Decision
    rule: RestockRule | None               # the rule that decided; None: the fallback
    action: str                            # the rule's (or fallback's) action
    need: Need | None = None               # for a transfer: the neediest location
    passed: list[tuple[RestockRule, str]] = field(default_factory=list)  # (rule, why not)


def explain(product: Product, condition: str, here: Location) -> Trial:
    """The disposition ``restock.decide`` gives ``product`` returned in ``condition`` at
    ``here``, with the rules passed over before the deciding one (reads only)."""
    passed: list[tuple[RestockRule, str]] = []
    chosen = None
    for rule in rules_in_order():
        if not rule.active:
            passed.append((rule, "inactive"))
        elif not matches(rule, product, condition):
            wrong = rule.condition_list and condition not in rule.condition_list
            passed.append((rule, "condition" if wrong else "category"))
        else:
            chosen = rule
            break
    decision = decide(product, condition, here, [chosen] if chosen else [])
    action = chosen.action if chosen else FALLBACK.get(condition, Disposition.RESTOCK)
    need = neediest(product, here) if action == Disposition.TRANSFER else None
    return Trial(product, condition, here, decision, chosen, action, need, passed)
