"""An in-process directory of all locations for hot read paths (availability, sourcing).

Thousands of locations fit in a few hundred kilobytes; reading them once every
``LOCATION_CACHE_SECONDS`` (default 30) instead of joining them into every stock query
lets the stock query run on a covering index alone. Changes made in this process clear
the cache at once; other worker processes see them within that time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app

from portal.locations.models import Location

DEFAULT_TTL_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class LocationInfo:
    id: int
    code: str
    kind: str
    country: str
    postcode: str
    priority: int
    active: bool
    latitude: float | None
    longitude: float | None
    daily_capacity: int | None = None
    shipment_cost: Decimal | None = None


_lock = threading.Lock()
# "at" is a time.monotonic() reading; -inf means "never loaded" (monotonic may start near
# zero on a freshly booted machine, so 0.0 would look fresh).
_cache: dict = {"at": float("-inf"), "database": None, "by_id": {}}


def location_directory() -> dict[int, LocationInfo]:
    """Every location by id, at most LOCATION_CACHE_SECONDS old."""
    from portal.db import db

    ttl = current_app.config.get("LOCATION_CACHE_SECONDS", DEFAULT_TTL_SECONDS)
    now = time.monotonic()
    current = db.obj
    if now - _cache["at"] < ttl and _cache["database"] is current:
        return _cache["by_id"]
    rows = Location.select(Location.id, Location.code, Location.kind, Location.country,
                           Location.postcode, Location.priority, Location.active,
                           Location.latitude, Location.longitude, Location.daily_capacity,
                           Location.shipment_cost).tuples()
    by_id = {row[0]: LocationInfo(*row) for row in rows}
    with _lock:
        _cache.update(at=now, database=current, by_id=by_id)
    return by_id


def forget_locations() -> None:
    """Drop the cached directory (after a location was created or changed)."""
    with _lock:
        _cache["at"] = float("-inf")
