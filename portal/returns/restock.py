"""Where a returned item goes: the restock rules, and the location that needs it most.

``decide(product, condition, here)`` takes the first active ``RestockRule`` (by
position) whose conditions and categories match; without a matching rule a damaged item
is refurbished and anything else goes back on the shelf where it was received. A
``transfer`` rule sends the item to the location that needs it most
(``neediest``): an active store or warehouse other than ``here`` with nothing
available and recent sales of the product, most sold first; when none needs it, it
stays here. Every decision carries the reason that goes onto the stock movement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from peewee import JOIN, fn

from portal.db import utcnow
from portal.inventory.models import AVAILABLE, Product, StockLevel, StockMovement
from portal.inventory.status import MovementKind
from portal.locations.models import Location
from portal.locations.status import LocationKind
from portal.returns.models import RestockRule
from portal.returns.status import Condition, Disposition

# When no rule matches (an empty rule list included).
FALLBACK = {Condition.DAMAGED: Disposition.REFURBISH}


@dataclass(frozen=True)
class Decision:
    disposition: str
    target: Location | None  # where the item ends up; None for refurbish and scrap
    reason: str              # for the ledger and the return's timeline
    rule: str = ""           # the name of the rule that decided ('' for the fallback)


@dataclass(frozen=True)
class Need:
    location: Location
    sold: int       # units sold there in the sales window
    available: int  # what it can sell now (0 or less: out of stock)


def sales_days() -> int:
    return int(current_app.config.get("RESTOCK_SALES_DAYS", 30))


def active_rules() -> list[RestockRule]:
    return list(RestockRule.select().where(RestockRule.active == True)  # noqa: E712
                .order_by(RestockRule.position, RestockRule.id))


def matches(rule: RestockRule, product: Product, condition: str) -> bool:
    conditions, categories = rule.condition_list, rule.category_list
    return ((not conditions or condition in conditions)
            and (not categories or product.category in categories))


def decide(product: Product, condition: str, here: Location,
           rules: list[RestockRule] | None = None) -> Decision:
    """The disposition of one returned unit of ``product`` received at ``here``."""
    rule = next((r for r in (active_rules() if rules is None else rules)
                 if matches(r, product, condition)), None)
    action = rule.action if rule else FALLBACK.get(condition, Disposition.RESTOCK)
    name = rule.name if rule else ""
    if action == Disposition.TRANSFER:
        need = neediest(product, here)
        if need is not None:
            return Decision(Disposition.TRANSFER, need.location,
                            f"needed at {need.location.code}: {need.available} available, "
                            f"{need.sold} sold in {sales_days()} days", name)
        return Decision(Disposition.RESTOCK, here, "no other location needs it", name)
    if action == Disposition.RESTOCK:
        return Decision(Disposition.RESTOCK, here, f"returned in {condition} condition", name)
    return Decision(action, None, f"{action}: returned in {condition} condition", name)


def neediest(product: Product, here: Location) -> Need | None:
    """The active store or warehouse (not ``here``) that is out of ``product`` and sold
    the most of it in the sales window; None when no such location exists."""
    since = utcnow() - timedelta(days=sales_days())
    sold = 0 - fn.COALESCE(fn.SUM(StockMovement.on_hand_delta), 0)  # sales are negative
    sales = (StockMovement.select(StockMovement.location, sold.alias("sold"))
             .where(StockMovement.product == product.id,
                    StockMovement.kind == MovementKind.SALE, StockMovement.at >= since,
                    StockMovement.location != here.id)
             .group_by(StockMovement.location).alias("sales"))
    available = fn.COALESCE(AVAILABLE, 0)
    units_sold = sales.c.sold
    row = (Location.select(Location, units_sold.alias("sold"), available.alias("available"))
           .join(sales, on=(sales.c.location_id == Location.id))
           .join(StockLevel, JOIN.LEFT_OUTER,
                 on=((StockLevel.location == Location.id)
                     & (StockLevel.product == product.id)))
           .where(Location.active == True,  # noqa: E712
                  Location.kind.in_([LocationKind.STORE, LocationKind.WAREHOUSE]),
                  available <= 0, units_sold > 0)
           .order_by(units_sold.desc(), Location.priority, Location.code)
           .objects().first())
    if row is None:
        return None
    return Need(row, int(row.sold), int(row.available))
