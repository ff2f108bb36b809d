"""What a sourcing rule says, as plain data: when it applies (condition), where stock may
come from (pool), which place is better (ordering) and what a plan may look like
(limits). Rules are stored as JSON; ``rule_from_dict`` validates one with field errors
named like the editor's inputs (``condition.countries``)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from portal.errors import DomainError
from portal.forms import whole_in_range
from portal.inventory.status import Channel
from portal.locations.status import LocationKind
from portal.orders.status import DeliveryMethod

ORDERINGS = {
    "distance": _l("Shortest distance"),
    "stock": _l("Most stock available"),
    "priority": _l("Location priority"),
    "cost": _l("Lowest cost per shipment"),
    "capacity": _l("Most remaining daily capacity"),
}
COUNTRY = re.compile(r"[A-Z]{2}")
GROUP = re.compile(r"[a-z0-9_-]{1,30}")  # customer groups the shop sends, e.g. b2b, vip
MAX_FULFILMENTS = 5


class RuleInvalid(DomainError):
    status = 400


@dataclass
class Condition:
    """All filled-in parts must match; an empty condition matches every order."""

    channels: list[str] = field(default_factory=list)
    delivery_methods: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)          # destination is one of
    exclude_countries: list[str] = field(default_factory=list)  # destination is none of
    postcode_prefixes: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)        # some article has one of them
    categories: list[str] = field(default_factory=list)  # some article is in one of them
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    customer_groups: list[str] = field(default_factory=list)  # e.g. b2b, vip


@dataclass
class Pool:
    """Where stock may come from: locations of these kinds or these codes, optionally
    only within ``radius_km`` of the destination (the pickup store for Click & Collect),
    plus supplier warehouses that serve the destination country."""

    kinds: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    radius_km: int | None = None
    suppliers_serving_country: bool = False
    fresh_feeds_only: bool = False  # leave out locations whose stock feed is stale


@dataclass
class Limits:
    max_fulfilments: int = 1      # parcels from different locations per order
    allow_partial: bool = False   # one line's units may come from several locations
    allow_dropship: bool = False  # supplier warehouses may ship to the customer directly
    incoming_days: int | None = None  # promise deliveries expected within N days


@dataclass
class Rule:
    name: str
    condition: Condition = field(default_factory=Condition)
    pool: Pool = field(default_factory=Pool)
    ordering: list[str] = field(default_factory=lambda: ["distance"])
    limits: Limits = field(default_factory=Limits)
    enabled: bool = True

    def as_dict(self) -> dict:
        data = asdict(self)
        for key in ("min_value", "max_value"):
            value = data["condition"][key]
            data["condition"][key] = None if value is None else str(value)
        return data


def _codes(value, errors: dict, name: str, allowed=None, pattern=None) -> list[str]:
    if value in (None, ""):
        return []
    items = value.replace(",", " ").split() if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        errors[name] = str(_l("A list of codes."))
        return []
    items = [i.strip() for i in items if i.strip()]
    bad = [i for i in items if (allowed is not None and i not in allowed)
           or (pattern is not None and not pattern.fullmatch(i))]
    if bad:
        errors[name] = str(_l("Unknown: %(codes)s", codes=", ".join(bad[:5])))
    return list(dict.fromkeys(items))


def _money(value, errors: dict, name: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = Decimal(-1)
    if not amount.is_finite() or amount < 0 or amount > Decimal("1000000"):
        errors[name] = str(_l("An amount from 0 to 1,000,000."))
        return None
    return amount.quantize(Decimal("0.01"))


def rule_from_dict(data: dict) -> Rule:
    """A validated Rule from its stored or submitted form; RuleInvalid names each bad
    field."""
    errors: dict[str, str] = {}
    condition, pool, limits = (data.get(k) or {} for k in ("condition", "pool", "limits"))
    name = str(data.get("name", "")).strip()[:80]
    if not name:
        errors["name"] = str(_l("Give the rule a name."))
    upper = {"pattern": COUNTRY}
    rule = Rule(
        name=name, enabled=bool(data.get("enabled", True)),
        condition=Condition(
            channels=_codes(condition.get("channels"), errors, "condition.channels",
                            allowed=set(Channel)),
            delivery_methods=_codes(condition.get("delivery_methods"), errors,
                                    "condition.delivery_methods", allowed=set(DeliveryMethod)),
            countries=_codes(_upper(condition.get("countries")), errors, "condition.countries",
                             **upper),
            exclude_countries=_codes(_upper(condition.get("exclude_countries")), errors,
                                     "condition.exclude_countries", **upper),
            postcode_prefixes=_codes(condition.get("postcode_prefixes"), errors,
                                     "condition.postcode_prefixes",
                                     pattern=re.compile(r"[0-9A-Za-z]{1,8}")),
            tags=_codes(condition.get("tags"), errors, "condition.tags",
                        pattern=re.compile(r"[\w-]{1,40}")),
            categories=[c.strip() for c in str(condition.get("categories") or "").split(",")
                        if c.strip()] if isinstance(condition.get("categories"), str)
            else list(condition.get("categories") or []),
            min_value=_money(condition.get("min_value"), errors, "condition.min_value"),
            max_value=_money(condition.get("max_value"), errors, "condition.max_value"),
            customer_groups=_codes(_lower(condition.get("customer_groups")), errors,
                                   "condition.customer_groups", pattern=GROUP)),
        pool=Pool(
            kinds=_codes(pool.get("kinds"), errors, "pool.kinds", allowed=set(LocationKind)),
            locations=_codes(_upper(pool.get("locations")), errors, "pool.locations",
                             pattern=re.compile(r"[A-Z0-9_-]{1,16}")),
            radius_km=whole_in_range(pool.get("radius_km"), errors, "pool.radius_km", 0, 20_000),
            suppliers_serving_country=bool(pool.get("suppliers_serving_country")),
            fresh_feeds_only=bool(pool.get("fresh_feeds_only"))),
        ordering=_codes(data.get("ordering"), errors, "ordering", allowed=set(ORDERINGS))
        or ["distance"],
        limits=Limits(
            max_fulfilments=whole_in_range(limits.get("max_fulfilments"), errors,
                                   "limits.max_fulfilments", 1, MAX_FULFILMENTS, 1),
            allow_partial=bool(limits.get("allow_partial")),
            allow_dropship=bool(limits.get("allow_dropship")),
            incoming_days=whole_in_range(limits.get("incoming_days"), errors,
                                         "limits.incoming_days", 0, 90)))
    c = rule.condition
    if c.min_value is not None and c.max_value is not None and c.min_value > c.max_value:
        errors["condition.max_value"] = str(_l("Must not be below the minimum."))
    if errors:
        raise RuleInvalid(str(_l("The rule “%(name)s” is not valid.", name=name or "?")),
                          fields=errors)
    return rule


def _lower(value):
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, list):
        return [v.lower() if isinstance(v, str) else v for v in value]
    return value


def _upper(value):
    if isinstance(value, str):
        return value.upper()
    if isinstance(value, list):
        return [v.upper() if isinstance(v, str) else v for v in value]
    return value
