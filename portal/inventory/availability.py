"""Available-to-promise per SKU: what each location can sell now, and what is coming.

``available`` at a location = on hand − reserved − safety stock − the channel's
buffer there, never below zero. Which kinds of location count depends on the
channel: the marketplace's fulfilment stock is sold only on the marketplace, and
store channels sell from stores and warehouses.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from portal.inventory.models import ChannelBuffer, IncomingStock, Product, StockLevel
from portal.inventory.status import Channel, IncomingStatus
from portal.locations.models import Location
from portal.locations.status import LocationKind

K = LocationKind
CHANNEL_KINDS = {
    Channel.WEB: (K.STORE, K.WAREHOUSE, K.PARTNER, K.SUPPLIER),
    Channel.MARKETPLACE: (K.MARKETPLACE, K.WAREHOUSE),
    Channel.STORE: (K.STORE, K.WAREHOUSE),
    Channel.ORDER_IN_STORE: (K.STORE, K.WAREHOUSE),
}
MAX_SKUS = 100


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
    locations: list[LocationStock] = field(default_factory=list)
    incoming: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"sku": self.sku, "available": self.available,
                "locations": [vars(loc) for loc in self.locations], "incoming": self.incoming}


def channel_buffers(channel: str) -> tuple[int, dict[int, int]]:
    """The channel's buffer for every location, and per-location overrides."""
    default, per_location = 0, {}
    for buffer in ChannelBuffer.select().where(ChannelBuffer.channel == channel):
        if buffer.location_id is None:
            default = buffer.quantity
        else:
            per_location[buffer.location_id] = buffer.quantity
    return default, per_location


def _postcode_affinity(postcode: str, location_postcode: str) -> int:
    """How many leading postcode digits match: a cheap nearness without a geocoder
    (German postcodes share leading digits within a region)."""
    shared = 0
    for a, b in zip(postcode, location_postcode, strict=False):
        if a != b:
            break
        shared += 1
    return shared


def availability(skus: list[str], *, channel: str = Channel.WEB, country: str | None = None,
                 postcode: str | None = None, location: str | None = None
                 ) -> tuple[list[SkuAvailability], list[str]]:
    """Availability for ``skus`` (in the order asked) and the SKUs that do not exist."""
    wanted = list(dict.fromkeys(skus))[:MAX_SKUS]
    products = {p.sku: p for p in Product.select(Product.id, Product.sku)
                .where(Product.sku.in_(wanted), Product.active == True)}  # noqa: E712
    unknown = [sku for sku in wanted if sku not in products]
    results = {sku: SkuAvailability(sku) for sku in wanted if sku in products}
    if not products:
        return [], unknown
    by_id = {p.id: p.sku for p in products.values()}
    locations = Location.select(Location.id).where(
        Location.active == True, Location.kind.in_(CHANNEL_KINDS[channel]))  # noqa: E712
    if country:
        locations = locations.where(Location.country == country.upper())
    if location:
        locations = locations.where(Location.code == location.upper())
    default_buffer, buffers = channel_buffers(channel)
    rows = (StockLevel
            .select(StockLevel.product, StockLevel.on_hand, StockLevel.reserved,
                    StockLevel.safety_stock, Location.id, Location.code, Location.kind,
                    Location.postcode, Location.priority)
            .join(Location)
            .where(StockLevel.product.in_(list(by_id)), StockLevel.location.in_(locations),
                   StockLevel.on_hand > StockLevel.reserved + StockLevel.safety_stock)
            .tuples())
    ranked = defaultdict(list)
    for product_id, on_hand, reserved, safety, loc_id, code, kind, loc_postcode, priority \
            in rows.iterator():
        buffer = buffers.get(loc_id, default_buffer)
        sellable = on_hand - reserved - safety - buffer
        if sellable <= 0:
            continue
        affinity = _postcode_affinity(postcode, loc_postcode) if postcode else 0
        ranked[product_id].append(((-affinity, priority, -sellable, code),
                                   LocationStock(code, kind, sellable, on_hand, reserved)))
    for product_id, entries in ranked.items():
        result = results[by_id[product_id]]
        result.locations = [stock for _key, stock in sorted(entries, key=lambda e: e[0])]
        result.available = sum(stock.available for stock in result.locations)
    _add_incoming(results, by_id, locations)
    return [results[sku] for sku in wanted if sku in results], unknown


def _add_incoming(results: dict, by_id: dict[int, str], locations) -> None:
    query = (IncomingStock
             .select(IncomingStock.product, Location.code, IncomingStock.quantity,
                     IncomingStock.expected_on)
             .join(Location)
             .where(IncomingStock.product.in_(list(by_id)),
                    IncomingStock.location.in_(locations),
                    IncomingStock.status == IncomingStatus.OPEN,
                    IncomingStock.expected_on >= date.today())
             .order_by(IncomingStock.expected_on).tuples())
    for product_id, code, quantity, expected_on in query:
        results[by_id[product_id]].incoming.append(
            {"location": code, "quantity": quantity, "expected_on": expected_on.isoformat()})
