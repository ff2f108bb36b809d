"""The locations a sourcing run weighs: ``Place`` (one location for one run: its units of
the order, distance and capacity left), the view every run derives from the cached
location directory (active places, postcode index, distances computed so far), the
order's destination and each location's orders served today."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING

from flask_babel import to_utc
from peewee import fn

from portal.db import local_today
from portal.locations.directory import LocationInfo, location_directory
from portal.locations.services import distance_km
from portal.orders.models import OrderLine, Reservation

if TYPE_CHECKING:
    from portal.sourcing.engine import OrderFacts

FEW_LOCATIONS = 20  # up to this many, today's fulfilments are counted at these only


@dataclass(eq=False, slots=True)  # told apart by identity: one per location and run
class Place:
    location: LocationInfo
    units: dict[int, tuple[int, int]]  # product id → (sellable units, channel buffer)
    km: float | None
    remaining: int | None              # daily capacity left, None = unlimited
    total: int = 0                     # units of the whole order it has: covered(wanted)
    _seen: dict | None = None

    def covered(self, wanted: dict[int, int]) -> int:
        return sum(min(self.units.get(p, (0, 0))[0], n) for p, n in wanted.items())

    def seen(self) -> dict:
        """The trace's description of this place, the same for every rule that looks at
        it (each adds whether it was kept and why to a copy)."""
        if self._seen is None:
            self._seen = {"code": self.location.code, "kind": self.location.kind,
                          "km": None if self.km is None else round(self.km, 1),
                          "units": self.total}
        return self._seen


class DirectoryView:
    """What every run derives from one cached location directory: the active places, an
    index for ``destination_point`` and the distances computed so far. Rebuilt when the
    directory is reloaded, so runs after the first pay for none of it."""

    MAX_DISTANCES = 50_000  # kept in all (a few MB); beyond, the oldest points are dropped

    def __init__(self, directory: dict[int, LocationInfo]):
        self.source = directory
        self.active = [p for p in directory.values() if p.active]
        self.by_id = {p.id: p for p in self.active}
        self.capped = [p.id for p in self.active if p.daily_capacity is not None]
        # country → postcode prefix (2+ characters) → the first place, in directory order,
        # whose postcode starts with it (places with coordinates only)
        self.prefixes: dict[str, dict[str, LocationInfo]] = {}
        for place in self.active:
            if place.latitude is None:
                continue
            index, postcode = self.prefixes.setdefault(place.country, {}), place.postcode or ""
            for n in range(2, len(postcode) + 1):
                index.setdefault(postcode[:n], place)
        self._km: dict[tuple[float, float], dict[int, float]] = {}
        self._lock = threading.Lock()

    def destination(self, facts: OrderFacts) -> tuple[float, float] | None:
        """``destination_point(facts, self.active)`` by index: the place sharing the
        longest prefix (2+) is the first one holding the longest prefix of the postcode."""
        if facts.origin is not None and facts.origin.latitude is not None:
            return facts.origin.latitude, facts.origin.longitude
        index, postcode = self.prefixes.get(facts.country), facts.postcode or ""
        if index:
            for n in range(len(postcode), 1, -1):
                best = index.get(postcode[:n])
                if best is not None:
                    return best.latitude, best.longitude
        return None

    def distances(self, point: tuple[float, float] | None) -> dict[int, float]:
        """Location id → km from ``point`` as far as computed (``build_places`` adds)."""
        if point is None:
            return {}
        with self._lock:  # worker threads share the view
            known = self._km.get(point)
            if known is None:
                while self._km and len(self._km) * len(self.active) >= self.MAX_DISTANCES:
                    del self._km[next(iter(self._km))]
                known = self._km[point] = {}
        return known


_view: DirectoryView | None = None


def directory_view() -> DirectoryView:
    """The view of the current location directory (built once per directory load)."""
    global _view
    directory, view = location_directory(), _view
    if view is None or view.source is not directory:
        view = _view = DirectoryView(directory)
    return view


def destination_point(facts: OrderFacts, places: list[LocationInfo]) -> tuple[float, float] | None:
    """Where the goods go: the pickup store or the store of the sale; for a delivery the
    location sharing the longest postcode prefix in the destination country (a coarse
    stand-in for geocoding the address, enough to rank regions)."""
    if facts.origin is not None and facts.origin.latitude is not None:
        return facts.origin.latitude, facts.origin.longitude
    best, length = None, 1
    for place in places:
        if place.country != facts.country or place.latitude is None:
            continue
        common = len(_common_prefix(place.postcode or "", facts.postcode or ""))
        if common > length:
            best, length = place, common
    return (best.latitude, best.longitude) if best else None


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def fulfilments_today(location_ids: list[int]) -> dict[int, int]:
    """Orders served today per location, every one of ``location_ids`` listed (0 too).
    For many locations all of today's reservations are counted (one pass instead of a
    probe per location) and the others left out."""
    start = to_utc(datetime.combine(local_today(), time.min)).replace(tzinfo=None)
    query = (Reservation.select(Reservation.location, fn.COUNT(fn.DISTINCT(OrderLine.order)))
             .join(OrderLine).where(Reservation.created_at >= start))
    if len(location_ids) <= FEW_LOCATIONS:
        query = query.where(Reservation.location.in_(location_ids))
    counts = dict(query.group_by(Reservation.location).tuples())
    return {location_id: counts.get(location_id, 0) for location_id in location_ids}


def capacity_used_today() -> dict[int, int]:
    """Orders served today at every active location with a daily capacity, in one query:
    the ``used`` of an ``Engine`` when one caller plans many orders (a simulation)."""
    capped = directory_view().capped
    return fulfilments_today(capped) if capped else {}


def build_places(stock: dict[int, dict[int, tuple[int, int]]],
                 locations: dict[int, LocationInfo], point: tuple[float, float] | None,
                 kms: dict[int, float], used: dict[int, int],
                 wanted: dict[int, int]) -> dict[int, Place]:
    """A place per active location in ``stock`` (location id → product id → units):
    distance from ``point`` (cached in ``kms``), capacity left (``used`` filled in for
    locations not counted yet) and how much of ``wanted`` it has. Hundreds per run, so
    everything it looks up is a local name."""
    places = {}
    for location_id, units in stock.items():
        place = locations.get(location_id)
        if place is None:
            continue
        km = None
        if point and place.latitude is not None:
            km = kms.get(location_id)
            if km is None:
                km = kms[location_id] = distance_km(point[0], point[1], place.latitude,
                                                    place.longitude)
        remaining = None
        if place.daily_capacity is not None:
            if location_id not in used:
                used.update(fulfilments_today([location_id]))
            remaining = place.daily_capacity - used[location_id]
        total = 0
        for product_id, (have, _buffer) in units.items():  # covered(wanted)
            need = wanted.get(product_id)
            if need:
                total += have if have < need else need
        places[location_id] = Place(place, units, km, remaining, total)
    return places
