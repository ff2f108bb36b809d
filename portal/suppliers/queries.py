"""Read models for the supplier pages: the stock figures of a supplier's warehouse."""

from __future__ import annotations

from dataclasses import dataclass

from peewee import Case, fn

from portal.inventory.models import AVAILABLE, StockLevel
from portal.inventory.queries import stock_summary
from portal.locations.models import Location


@dataclass(frozen=True)
class WarehouseStock:
    """What a supplier's warehouse offers now."""

    skus_in_stock: int = 0      # articles with something available to sell
    units_available: int = 0    # on hand - reserved - safety stock, summed over those
    units_on_hand: int = 0
    units_reserved: int = 0
    units_incoming: int = 0     # open incoming deliveries to this warehouse


def warehouse_stock(location: Location | None) -> WarehouseStock:
    """The figures for ``location`` (all zero when the supplier has no warehouse yet)."""
    if location is None:
        return WarehouseStock()
    positive = AVAILABLE > 0
    skus, units = (StockLevel.select(
        fn.COALESCE(fn.SUM(Case(None, [(positive, 1)], 0)), 0),
        fn.COALESCE(fn.SUM(Case(None, [(positive, AVAILABLE)], 0)), 0))
        .where(StockLevel.location == location).tuples().get())
    summary = stock_summary(location)
    return WarehouseStock(int(skus), int(units), summary.units_on_hand, summary.units_reserved,
                          summary.incoming_units)
