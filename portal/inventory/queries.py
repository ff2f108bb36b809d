"""Read-only stock figures for dashboards and location pages.

Each helper returns plain numbers or a query that callers can paginate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from peewee import Case, fn

from portal.db import local_today
from portal.inventory.models import AVAILABLE, IncomingStock, Product, StockLevel
from portal.inventory.status import IncomingStatus
from portal.locations.models import Location


@dataclass(frozen=True)
class StockSummary:
    products: int = 0          # stock rows (product x location)
    units_on_hand: int = 0
    units_reserved: int = 0
    out_of_stock: int = 0      # rows with nothing available to sell
    below_safety: int = 0      # rows whose on-hand is below the safety stock
    incoming_units: int = 0    # open incoming stock


def stock_summary(location: Location | None = None) -> StockSummary:
    """Totals over the whole pool, or over one location."""
    query = StockLevel.select(
        fn.COUNT(StockLevel.id),
        fn.COALESCE(fn.SUM(StockLevel.on_hand), 0),
        fn.COALESCE(fn.SUM(StockLevel.reserved), 0),
        fn.COALESCE(fn.SUM(Case(None, [(AVAILABLE <= 0, 1)], 0)), 0),
        fn.COALESCE(fn.SUM(Case(None, [(StockLevel.on_hand < StockLevel.safety_stock, 1)], 0)), 0),
    )
    incoming = IncomingStock.select(fn.COALESCE(fn.SUM(IncomingStock.quantity), 0)).where(
        IncomingStock.status == IncomingStatus.OPEN)
    if location is not None:
        query = query.where(StockLevel.location == location)
        incoming = incoming.where(IncomingStock.location == location)
    rows, on_hand, reserved, out, below = query.tuples().get()
    return StockSummary(int(rows), int(on_hand), int(reserved), int(out), int(below),
                        int(incoming.scalar() or 0))


def low_stock(location: Location, limit: int = 20):
    """Rows at ``location`` with the least available to sell, emptiest first."""
    return (StockLevel.select(StockLevel, Product, AVAILABLE.alias("available_now"))
            .join(Product)
            .where(StockLevel.location == location, StockLevel.safety_stock >= AVAILABLE)
            .order_by(AVAILABLE, Product.sku)
            .limit(limit))


def incoming_stock(location: Location | None = None, within_days: int | None = None,
                   limit: int = 20):
    """Open incoming stock, soonest first, optionally for one location or a horizon."""
    query = (IncomingStock.select(IncomingStock, Product, Location)
             .join(Product).switch(IncomingStock).join(Location)
             .where(IncomingStock.status == IncomingStatus.OPEN))
    if location is not None:
        query = query.where(IncomingStock.location == location)
    if within_days is not None:
        horizon = local_today() + timedelta(days=within_days)
        query = query.where(IncomingStock.expected_on <= horizon)
    return query.order_by(IncomingStock.expected_on, IncomingStock.id).limit(limit)


def late_incoming_count() -> int:
    """Open deliveries whose expected date has passed."""
    return (IncomingStock.select()
            .where(IncomingStock.status == IncomingStatus.OPEN,
                   IncomingStock.expected_on < local_today())
            .count())


def product_counts() -> dict[str, int]:
    active = Product.select().where(Product.active == True).count()  # noqa: E712
    high_demand = Product.select().where(Product.tags.contains("high-demand")).count()
    return {"active": active, "high_demand": high_demand}


def out_of_stock_by_store(limit: int = 12):
    """Stores with the most rows that cannot sell anything (for the manager's dashboard)."""
    count = fn.SUM(Case(None, [(AVAILABLE <= 0, 1)], 0))
    return (Location.select(Location, count.alias("out_of_stock"))
            .join(StockLevel, on=(StockLevel.location == Location.id))
            .where(Location.kind == "store")
            .group_by(Location.id)
            .order_by(count.desc(), Location.name)
            .limit(limit))
