"""How sourcing appears on screen: version states, trace outcomes and reason codes, and a
rule as a few readable sentences. The engine stores codes with parameters (see
``candidates.py``); these turn them into the reader's language when a page is drawn."""

from __future__ import annotations

from flask_babel import format_currency, format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.inventory.labels import CHANNEL_LABELS
from portal.locations.forms import KIND_LABELS
from portal.orders.labels import DELIVERY_LABELS
from portal.sourcing.rules import ORDERINGS, Rule

RULESET_STATUS_LABELS = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "archived": _l("Archived"),
}
OUTCOME_LABELS = {
    "chosen": _l("Chosen"),
    "skipped": _l("Skipped"),
    "no_plan": _l("No plan"),
}
# Why a rule was passed over or a location dropped (engine reason codes).
REASON_LABELS = {
    "disabled": _l("The rule is switched off."),
    "outside_pool": _l("Not in the rule's pool."),
    "excluded": _l("Left out for this order (it could not serve it before)."),
    "stale_feed": _l("Its supplier stock feed is out of date."),
    "dropship_not_allowed": _l("A supplier, and the rule does not allow drop-shipping."),
    "supplier_not_serving": _l("The supplier does not drop-ship to this country."),
    "too_far": _l("Farther away than the rule's radius."),
    "over_capacity": _l("No capacity left today."),
    "no_stock": _l("No stock of the ordered articles."),
    "empty_pool": _l("No location in the pool can serve this order."),
}
CONDITION_PARTS = {
    "channel": _l("Sales channel"),
    "delivery_method": _l("Delivery"),
    "country": _l("Destination country"),
    "postcode": _l("Postcode"),
    "tags": _l("Article tags"),
    "customer_group": _l("Customer group"),
    "categories": _l("Article categories"),
    "value": _l("Order value"),
}
_CODE_LABELS = {"channel": CHANNEL_LABELS, "delivery_method": DELIVERY_LABELS}


def reason_text(reason: dict | str | None) -> str:
    """A trace reason (``{"code": ..., **parameters}`` or a bare code) in words."""
    if not reason:
        return ""
    if isinstance(reason, str):
        reason = {"code": reason}
    code = reason.get("code", "")
    if code == "condition":
        part = reason.get("part", "")
        expected = str(reason.get("expected", ""))
        labels = _CODE_LABELS.get(part)
        if labels:
            expected = ", ".join(str(labels.get(c.strip(), c.strip()))
                                 for c in expected.split(","))
        return _("Does not match: %(part)s must be %(expected)s.",
                 part=CONDITION_PARTS.get(part, part), expected=expected)
    if code == "cannot_cover":
        limit = int(reason.get("max") or 1)
        if limit == 1:
            return _("No single location has the whole order.")
        return _("No %(n)s locations together have the whole order.", n=limit)
    label = REASON_LABELS.get(code)
    return str(label) if label is not None else code


def outcome_text(outcome: str) -> str:
    return str(OUTCOME_LABELS.get(outcome, outcome))


def kind_text(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def percent(share: float | None) -> str:
    """0.125 as "12.5%" ("12,5 %" in German); None (nothing to divide) as a dash."""
    return "—" if share is None else format_percent(share, "#,##0.0%")


def kilometres(km: float | None) -> str:
    return "—" if km is None else _("%(km)s km", km=format_decimal(km, "#,##0.0"))


def _either(values, labels=None) -> str:
    names = [str(labels.get(v, v)) if labels else str(v) for v in values]
    if len(names) == 1:
        return names[0]
    return _("%(first)s or %(last)s", first=", ".join(names[:-1]), last=names[-1])


def describe_condition(rule: Rule) -> list[str]:
    """Which orders the rule takes, one sentence per filled-in part."""
    c = rule.condition
    lines = []
    if c.channels:
        lines.append(_("Sold through %(what)s.", what=_either(c.channels, CHANNEL_LABELS)))
    if c.delivery_methods:
        lines.append(_("Delivery by %(what)s.",
                       what=_either(c.delivery_methods, DELIVERY_LABELS)))
    if c.countries:
        lines.append(_("Going to %(what)s.", what=_either(c.countries)))
    if c.exclude_countries:
        lines.append(_("Not going to %(what)s.", what=_either(c.exclude_countries)))
    if c.postcode_prefixes:
        lines.append(_("Postcode begins with %(what)s.", what=_either(c.postcode_prefixes)))
    if c.tags:
        lines.append(_("With an article tagged %(what)s.", what=_either(c.tags)))
    if c.customer_groups:
        lines.append(_("For customers in %(what)s.", what=_either(c.customer_groups)))
    if c.categories:
        lines.append(_("With an article in %(what)s.", what=_either(c.categories)))
    if c.min_value is not None and c.max_value is not None:
        lines.append(_("Worth %(low)s to %(high)s.", low=format_currency(c.min_value, "EUR"),
                       high=format_currency(c.max_value, "EUR")))
    elif c.min_value is not None:
        lines.append(_("Worth at least %(low)s.", low=format_currency(c.min_value, "EUR")))
    elif c.max_value is not None:
        lines.append(_("Worth at most %(high)s.", high=format_currency(c.max_value, "EUR")))
    return lines or [_("Every order.")]


def describe_pool(rule: Rule) -> list[str]:
    """Where the rule may take stock from."""
    pool = rule.pool
    lines = []
    if pool.kinds:
        kinds = ", ".join(str(KIND_LABELS.get(k, k)) for k in pool.kinds)
        lines.append(_("Locations of kind: %(kinds)s.", kinds=kinds))
    if pool.locations:
        lines.append(_("These locations: %(codes)s.", codes=", ".join(pool.locations)))
    if pool.suppliers_serving_country:
        lines.append(_("Suppliers that deliver to the destination country."))
    if not lines:
        lines.append(_("Every active location."))
    if pool.fresh_feeds_only:
        lines.append(_("Not from locations whose stock feed is out of date."))
    if pool.radius_km == 0:
        lines.append(_("Only the pickup store or the store of the sale itself."))
    elif pool.radius_km is not None:
        lines.append(_("Only within %(km)s km of the destination.", km=pool.radius_km))
    return lines


def describe_ordering(rule: Rule) -> str:
    names = [str(ORDERINGS.get(o, o)) for o in rule.ordering]
    return _("Best first by: %(criteria)s.", criteria=_(", then ").join(names))


def describe_limits(rule: Rule) -> list[str]:
    limits = rule.limits
    lines = [_("One location ships everything.") if limits.max_fulfilments == 1 else
             _("Up to %(n)s locations per order.", n=limits.max_fulfilments)]
    if limits.max_fulfilments > 1:
        lines.append(_("One line's units may come from several locations.")
                     if limits.allow_partial else
                     _("Each line comes whole from one location."))
    if limits.allow_dropship:
        lines.append(_("Suppliers may ship straight to the customer."))
    if limits.incoming_days is not None:
        lines.append(_("Deliveries expected within %(n)s days may be promised.",
                       n=limits.incoming_days))
    return lines


# The names of the rules the portal seeds: the built-in rules (``services.DEFAULT_RULES``)
# and the demo retailer's first version (``demo/data.py``). A name is a manager's data and
# may be renamed; while it still says what was seeded, it is shown in the reader's
# language (``rule_label``). A test keeps this list and the seeds together.
SEEDED_RULE_NAMES = {
    "Click & Collect from the pickup store": _l("Click & Collect from the pickup store"),
    "Nearest with the fewest parcels": _l("Nearest with the fewest parcels"),
    "Supplier drop-ship": _l("Supplier drop-ship"),
    "Click & Collect: the pickup store itself": _l("Click & Collect: the pickup store itself"),
    "Click & Collect: a nearby store or the warehouse":
        _l("Click & Collect: a nearby store or the warehouse"),
    "High-demand articles from the warehouses": _l("High-demand articles from the warehouses"),
    "International orders from a supplier": _l("International orders from a supplier"),
    "Nearest, fewest parcels": _l("Nearest, fewest parcels"),
    "Supplier drop-ship as the last resort": _l("Supplier drop-ship as the last resort"),
}
# The note of the demo's first version.
SEEDED_NOTES = {"Demo rules": _l("Demo rules")}


def rule_label(name: str | None) -> str:
    """A sourcing rule's name on screen (a seeded name in the reader's language)."""
    label = SEEDED_RULE_NAMES.get(name or "")
    return (name or "") if label is None else str(label)


def ruleset_note(note: str | None) -> str:
    """A rule version's note on screen (the seeded one in the reader's language)."""
    label = SEEDED_NOTES.get(note or "")
    return (note or "") if label is None else str(label)
