"""Stock that can be promised to an order: sellable units per location (after safety
stock and channel buffers) and the allocations a plan is made of. The sourcing engine
(``portal/sourcing``) decides where; ``chosen_plan`` takes a person's choice instead."""

from __future__ import annotations

from array import array
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from portal.db import db
from portal.inventory.availability import (
    CHANNEL_KINDS,
    STOCK_ROWS_SQL,
    channel_buffers,
)
from portal.locations.directory import location_directory


@dataclass(frozen=True)
class Allocation:
    product_id: int
    location_id: int
    quantity: int
    buffer: int  # the channel's buffer at that location, kept free when reserving
    incoming_id: int | None = None  # units promised from this delivery, not on the shelf
    expected_on: date | None = None


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


class StockSnapshot:
    """The stock of many products read at once (one query per 1,000 products), then
    answering ``sellable_units`` for any of them without another query: for a caller that
    plans thousands of orders (the sourcing simulation). Rows are kept as two arrays per
    product (location ids, units after safety stock), a few megabytes even for every
    product at hundreds of locations; channel buffers are read once per channel."""

    CHUNK = 1000  # product ids per query

    def __init__(self, product_ids) -> None:
        ids = sorted(set(product_ids))
        self._rows: dict[int, tuple[array, array]] = {}
        for start in range(0, len(ids), self.CHUNK):
            chunk = ids[start:start + self.CHUNK]
            marks = ", ".join([db.param] * len(chunk))
            for product_id, location_id, on_hand, reserved, safety in db.execute_sql(
                    STOCK_ROWS_SQL.format(marks=marks), chunk):
                entry = self._rows.get(product_id)
                if entry is None:
                    entry = self._rows[product_id] = (array("q"), array("q"))
                entry[0].append(location_id)
                entry[1].append(on_hand - reserved - safety)
        self._channels: dict[str, tuple] = {}

    def _channel(self, channel: str) -> tuple[frozenset[int], int, dict[int, int]]:
        directory = location_directory()
        known = self._channels.get(channel)
        if known is None or known[0] is not directory:
            kinds = CHANNEL_KINDS[channel]
            places = frozenset(i for i, p in directory.items() if p.active and p.kind in kinds)
            default, buffers = known[2:] if known else channel_buffers(channel)
            known = self._channels[channel] = (directory, places, default, buffers)
        return known[1:]

    def sellable_units(self, product_ids: list[int], channel: str
                       ) -> dict[int, dict[int, tuple[int, int]]]:
        """What ``sellable_units(product_ids, channel)`` answers, from the snapshot; every
        id must be one of the snapshot's products."""
        places, default, buffers = self._channel(channel)
        stock: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
        for product_id in product_ids:
            entry = self._rows.get(product_id)
            if entry is None:
                continue
            for location_id, free in zip(*entry, strict=True):
                if location_id in places:
                    buffer = buffers.get(location_id, default)
                    if free - buffer > 0:
                        stock[location_id][product_id] = (free - buffer, buffer)
        return stock


def chosen_plan(wanted: dict[int, int], sources: dict[int, int], *, channel: str
                ) -> list[Allocation]:
    """Allocations where a person chose the location of each product (product id →
    location id), as at the store counter. Whether the units are still there is
    decided by the reservation's conditional UPDATE, not here."""
    default, buffers = channel_buffers(channel)
    return [Allocation(product_id, sources[product_id], quantity,
                       buffers.get(sources[product_id], default))
            for product_id, quantity in wanted.items()]
