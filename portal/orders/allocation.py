"""Where an order's stock comes from, until the rule engine (issue #5 of the backlog,
sourcing) replaces it: one location that has everything, nearest first; otherwise the
fewest locations, nearest first.

"Nearest" is by distance from the pickup store for Click & Collect and store orders,
else by shared postcode digits with the destination, then location priority.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from portal.db import db
from portal.inventory.availability import (
    CHANNEL_KINDS,
    STOCK_ROWS_SQL,
    channel_buffers,
    postcode_affinity,
)
from portal.locations.directory import location_directory
from portal.locations.services import distance_km


@dataclass(frozen=True)
class Allocation:
    product_id: int
    location_id: int
    quantity: int
    buffer: int  # the channel's buffer at that location, kept free when reserving


def sellable_units(product_ids: list[int], channel: str) -> dict[int, dict[int, tuple[int, int]]]:
    """location id → product id → (units sellable to ``channel``, buffer there)."""
    kinds = CHANNEL_KINDS[channel]
    places = {i: p for i, p in location_directory().items() if p.active and p.kind in kinds}
    default, buffers = channel_buffers(channel)
    marks = ", ".join([db.param] * len(product_ids))
    stock: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    for product_id, location_id, on_hand, reserved, safety in db.execute_sql(
            STOCK_ROWS_SQL.format(marks=marks), product_ids).fetchall():
        if location_id in places:
            buffer = buffers.get(location_id, default)
            if on_hand - reserved - safety - buffer > 0:
                stock[location_id][product_id] = (on_hand - reserved - safety - buffer, buffer)
    return stock


def _rank(location_ids, origin, postcode: str):
    """Location ids nearest first (see the module docstring)."""
    directory = location_directory()

    def key(location_id):
        place = directory[location_id]
        if origin is not None and origin.latitude is not None:
            km = (distance_km(origin.latitude, origin.longitude, place.latitude,
                              place.longitude) if place.latitude is not None else 1e9)
            return (km, place.priority, place.code)
        return (-postcode_affinity(postcode, place.postcode), place.priority, place.code)

    return sorted(location_ids, key=key)


def plan_allocation(wanted: dict[int, int], *, channel: str, origin=None, postcode: str = "",
                    exclude: frozenset[int] = frozenset()) -> list[Allocation] | None:
    """Allocations covering ``wanted`` (product id → units), or None when the pool
    cannot cover it."""
    stock = sellable_units(list(wanted), channel)
    candidates = [loc for loc in stock if loc not in exclude]
    ranked = _rank(candidates, origin, postcode)
    for location_id in ranked:  # one parcel if any single place has everything
        here = stock[location_id]
        if all(here.get(p, (0, 0))[0] >= qty for p, qty in wanted.items()):
            return [Allocation(p, location_id, qty, here[p][1]) for p, qty in wanted.items()]
    allocations = []
    for product_id, quantity in wanted.items():  # else fill each product nearest first
        missing = quantity
        for location_id in ranked:
            units, buffer = stock[location_id].get(product_id, (0, 0))
            take = min(units, missing)
            if take > 0:
                allocations.append(Allocation(product_id, location_id, take, buffer))
                missing -= take
            if missing == 0:
                break
        if missing:
            return None
    return allocations


def chosen_plan(wanted: dict[int, int], sources: dict[int, int], *, channel: str
                ) -> list[Allocation]:
    """Allocations where a person chose the location of each product (product id →
    location id), as at the store counter. Whether the units are still there is
    decided by the reservation's conditional UPDATE, not here."""
    default, buffers = channel_buffers(channel)
    return [Allocation(product_id, sources[product_id], quantity,
                       buffers.get(sources[product_id], default))
            for product_id, quantity in wanted.items()]
