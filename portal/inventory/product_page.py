"""Everything the product page shows: stock everywhere, nearest first, incoming, movements."""

from __future__ import annotations

from portal.inventory.models import IncomingStock, StockLevel, StockMovement
from portal.inventory.status import IncomingStatus
from portal.locations.models import Location
from portal.locations.services import distance_km


def distance_from_home(user, location: Location) -> float | None:
    """Kilometres from the user's home store to ``location``, when both have coordinates."""
    origin = user.home_store
    if origin is None or origin.latitude is None or location.latitude is None:
        return None
    return distance_km(origin.latitude, origin.longitude, location.latitude, location.longitude)


def product_overview(product, user) -> dict:
    """Rows for the product page; distances are from the user's home store, if any."""
    levels = list(StockLevel.select(StockLevel, Location).join(Location)
                  .where(StockLevel.product == product))
    by_distance = [(level, distance_from_home(user, level.location)) for level in levels]
    by_distance.sort(key=lambda pair: (pair[1] is None, pair[1] or 0, pair[0].location.kind,
                                       pair[0].location.code))
    incoming = list(IncomingStock.select(IncomingStock, Location).join(Location)
                    .where(IncomingStock.product == product,
                           IncomingStock.status == IncomingStatus.OPEN)
                    .order_by(IncomingStock.expected_on))
    movements = (StockMovement.select(StockMovement, Location).join(Location)
                 .where(StockMovement.product == product)
                 .order_by(StockMovement.at.desc(), StockMovement.id.desc()).limit(25))
    if user.is_store_scoped:  # the ledger of other stores is not an employee's business
        movements = movements.where(StockMovement.location == user.home_store_id)
    totals = {"on_hand": sum(lv.on_hand for lv in levels),
              "reserved": sum(lv.reserved for lv in levels),
              "available": sum(lv.available for lv in levels),
              "incoming": sum(i.quantity for i in incoming)}
    return {"product": product, "levels": by_distance, "incoming": incoming,
            "movements": list(movements), "totals": totals, "origin": user.home_store}
