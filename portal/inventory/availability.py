"""Available-to-promise per SKU: what each location can sell now, and what is coming.

``available`` at a location = on hand − reserved − safety stock − the channel's
buffer there, never below zero. Which kinds of location count depends on the
channel: the marketplace's fulfilment stock is sold only on the marketplace, and
store channels sell from stores and warehouses.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from portal.db import db, local_today
from portal.inventory.models import ChannelBuffer, IncomingStock, Product
from portal.inventory.status import Channel, IncomingStatus
from portal.locations.directory import LocationInfo, location_directory
from portal.locations.status import LocationKind

K = LocationKind
CHANNEL_KINDS = {
    Channel.WEB: (K.STORE, K.WAREHOUSE, K.PARTNER, K.SUPPLIER),
    Channel.MARKETPLACE: (K.MARKETPLACE, K.WAREHOUSE),
    Channel.STORE: (K.STORE, K.WAREHOUSE),
    Channel.ORDER_IN_STORE: (K.STORE, K.WAREHOUSE),
}
MAX_SKUS = 100
DEFAULT_LOCATIONS = 20
# Hand-written because it is the hottest query of the API (peewee would rebuild it on
# every call); the covering index of migration 004 answers it without the table.
STOCK_ROWS_SQL = ("SELECT product_id, location_id, on_hand, reserved, safety_stock "
                  "FROM stock_level WHERE product_id IN ({marks}) "
                  "AND on_hand - reserved - safety_stock > 0")


@dataclass
class LocationStock:
    location: str
    kind: str
    available: int
    on_hand: int
    reserved: int


@dataclass
class SkuAvailability:
    sku: str
    available: int = 0
    location_count: int = 0  # locations with stock to sell; ``locations`` shows the best
    locations: list[LocationStock] = field(default_factory=list)
    incoming: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"sku": self.sku, "available": self.available,
                "location_count": self.location_count,
                "locations": [vars(loc) for loc in self.locations], "incoming": self.incoming}


def channel_buffers(channel: str) -> tuple[int, dict[int, int]]:
    """The channel's buffer at every location, and the locations with their own."""
    default, per_location = 0, {}
    for location_id, quantity in (ChannelBuffer.select(ChannelBuffer.location,
                                                       ChannelBuffer.quantity)
                                  .where(ChannelBuffer.channel == channel).tuples()):
        if location_id is None:
            default = quantity
        else:
            per_location[location_id] = quantity
    return default, per_location


def postcode_affinity(postcode: str, location_postcode: str) -> int:
    """How many leading digits two postcodes share: a cheap nearness without a geocoder
    (German postcodes share leading digits within a region)."""
    shared = 0
    for a, b in zip(postcode, location_postcode, strict=False):
        if a != b:
            break
        shared += 1
    return shared


def availability(skus: list[str], *, channel: str = Channel.WEB, country: str | None = None,
                 postcode: str | None = None, location: str | None = None,
                 limit: int = DEFAULT_LOCATIONS) -> tuple[list[SkuAvailability], list[str]]:
    """Availability for ``skus`` (in the order asked) and the SKUs that do not exist.

    Each SKU lists at most ``limit`` locations, best first (nearest by postcode, then
    location priority, then most stock); its total counts every location. The stock
    rows come from one scan of a covering index; locations from the in-process
    directory; buffers and ranking are applied in Python.
    """
    wanted = list(dict.fromkeys(skus))[:MAX_SKUS]
    products = {p.sku: p for p in Product.select(Product.id, Product.sku)
                .where(Product.sku.in_(wanted), Product.active == True)}  # noqa: E712
    unknown = [sku for sku in wanted if sku not in products]
    results = {sku: SkuAvailability(sku) for sku in wanted if sku in products}
    if not products:
        return [], unknown
    by_id = {p.id: p.sku for p in products.values()}
    eligible = _eligible_locations(channel, country, location)
    default, buffers = channel_buffers(channel)
    candidates: dict[int, list] = {product_id: [] for product_id in by_id}
    # The hot loop: thousands of rows per SKU, so plain tuples and local names.
    for product_id, location_id, on_hand, reserved, safety in _stock_rows(list(by_id)):
        place = eligible.get(location_id)
        if place is None:
            continue
        sellable = on_hand - reserved - safety - buffers.get(location_id, default)
        if sellable > 0:
            affinity = postcode_affinity(postcode, place.postcode) if postcode else 0
            candidates[product_id].append(
                (-affinity, place.priority, -sellable, place.code, on_hand, reserved, place))
    for product_id, entries in candidates.items():
        result = results[by_id[product_id]]
        result.available = -sum(entry[2] for entry in entries)
        result.location_count = len(entries)
        result.locations = [
            LocationStock(place.code, place.kind, -negative, on_hand, reserved)
            for _a, _p, negative, _c, on_hand, reserved, place
            in heapq.nsmallest(max(1, limit), entries, key=lambda e: e[:4])]
    _add_incoming(results, by_id, eligible)
    return [results[sku] for sku in wanted if sku in results], unknown


_eligible_cache: dict = {}


def _eligible_locations(channel: str, country: str | None,
                        location: str | None) -> dict[int, LocationInfo]:
    """Active locations that sell to ``channel``, optionally in one country or just one;
    remembered for as long as the location directory itself is unchanged."""
    directory = location_directory()
    key = (id(directory), channel, (country or "").upper(), (location or "").upper())
    if (cached := _eligible_cache.get(key)) is not None:
        return cached
    kinds = CHANNEL_KINDS[channel]
    eligible = {place.id: place for place in directory.values()
                if place.active and place.kind in kinds
                and (not country or place.country == country.upper())
                and (not location or place.code == location.upper())}
    if len(_eligible_cache) > 256 or any(k[0] != key[0] for k in _eligible_cache):
        _eligible_cache.clear()
    _eligible_cache[key] = eligible
    return eligible


def _stock_rows(product_ids: list[int]) -> list[tuple]:
    """(product, location, on hand, reserved, safety) of rows with something to sell,
    straight from the cursor: the covering index of migration 004 answers it alone,
    and skipping peewee's per-row conversion matters at thousands of rows."""
    marks = ", ".join([db.param] * len(product_ids))
    sql = STOCK_ROWS_SQL.format(marks=marks)  # only placeholders go into the text
    return db.execute_sql(sql, product_ids).fetchall()


def _add_incoming(results: dict, by_id: dict[int, str],
                  eligible: dict[int, LocationInfo]) -> None:
    """Open deliveries to eligible locations, soonest first; overdue ones are still
    expected and say so with ``late``."""
    today = local_today()
    query = (IncomingStock
             .select(IncomingStock.product, IncomingStock.location, IncomingStock.quantity,
                     IncomingStock.expected_on)
             .where(IncomingStock.product.in_(list(by_id)),
                    IncomingStock.status == IncomingStatus.OPEN)
             .order_by(IncomingStock.expected_on, IncomingStock.id).tuples())
    for product_id, location_id, quantity, expected_on in query:
        if location_id in eligible:
            results[by_id[product_id]].incoming.append(
                {"location": eligible[location_id].code, "quantity": quantity,
                 "expected_on": expected_on.isoformat(), "late": expected_on < today})
