"""Creating and changing locations, and the queries their screens use."""

from __future__ import annotations

import math
import re

from flask_babel import lazy_gettext as _l
from peewee import JOIN, fn

from portal.audit.services import record_audit
from portal.db import transaction
from portal.errors import DomainError, NotFound
from portal.locations.directory import forget_locations
from portal.locations.models import Location
from portal.locations.status import LocationKind

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,15}$")
EDITABLE_FIELDS = ("name", "kind", "street", "postcode", "city", "country", "latitude",
                   "longitude", "email", "phone", "ships", "click_collect", "locker_pickup",
                   "accepts_returns", "daily_capacity", "priority", "active")
TEXT_FIELDS = ("name", "street", "postcode", "city", "email", "phone")
MAX_PRIORITY = 10_000
MAX_DAILY_CAPACITY = 1_000_000


class LocationInvalid(DomainError):
    pass


def get_location(code: str) -> Location:
    location = Location.get_or_none(Location.code == code.upper())
    if location is None:
        raise NotFound(str(_l("No such location.")))
    return location


def search_locations(query: str = "", kind: str = "", include_inactive: bool = True):
    """Locations matching a text (code, name, city) and kind, ordered by kind and name."""
    select = Location.select()
    if query:
        like = f"%{query.strip()}%"
        select = select.where(Location.code.ilike(like) | Location.name.ilike(like)
                              | Location.city.ilike(like))
    if kind:
        select = select.where(Location.kind == kind)
    if not include_inactive:
        select = select.where(Location.active == True)  # noqa: E712
    return select.order_by(Location.kind, Location.name)


def stores():
    """Active stores by name (for home-store choices and pickup points)."""
    return (Location.select().where(Location.kind == LocationKind.STORE,
                                    Location.active == True)  # noqa: E712
            .order_by(Location.name))


def count_by_kind() -> dict[str, int]:
    rows = (Location.select(Location.kind, fn.COUNT(Location.id).alias("n"))
            .where(Location.active == True).group_by(Location.kind))  # noqa: E712
    return {row.kind: row.n for row in rows}


def location_field_errors(data: dict, *, new: bool) -> dict[str, str]:
    """Every problem with a location's values, by field, without touching the database.

    ``data`` holds typed values (floats, ints, bools) as the form and the CSV import
    produce them; ``new`` also checks the code's format (uniqueness is the caller's).
    Shared by the location form and the CSV import so both apply the same rules.
    """
    errors: dict[str, str] = {}
    if new and not CODE_PATTERN.match((data.get("code") or "").strip().upper()):
        errors["code"] = str(_l("2-16 capital letters, digits or dashes."))
    if not (data.get("name") or "").strip():
        errors["name"] = str(_l("Enter a name."))
    for field in TEXT_FIELDS:
        limit = Location._meta.fields[field].max_length
        if len(data.get(field) or "") > limit and field not in errors:
            errors[field] = str(_l("At most %(n)s characters.", n=limit))
    if data.get("kind") not in set(LocationKind):
        errors["kind"] = str(_l("Choose a kind."))
    country = (data.get("country") or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        errors["country"] = str(_l("Two-letter ISO country code, e.g. DE."))
    lat, lon = data.get("latitude"), data.get("longitude")
    if (lat is None) != (lon is None):
        errors["latitude"] = str(_l("Give both latitude and longitude, or neither."))
    if lat is not None and not -90 <= lat <= 90:
        errors["latitude"] = str(_l("Between -90 and 90."))
    if lon is not None and not -180 <= lon <= 180:
        errors["longitude"] = str(_l("Between -180 and 180."))
    for field, high in (("daily_capacity", MAX_DAILY_CAPACITY), ("priority", MAX_PRIORITY)):
        value = data.get(field)
        if value is not None and value < 0:
            errors[field] = str(_l("Zero or more."))
        elif value is not None and value > high:
            errors[field] = str(_l("At most %(n)s.", n=high))
    return errors


def _validate(data: dict, existing: Location | None) -> dict[str, str]:
    errors = location_field_errors(data, new=existing is None)
    if existing is None and "code" not in errors:
        code = (data.get("code") or "").strip().upper()
        if Location.select().where(Location.code == code).exists():
            errors["code"] = str(_l("This code is taken."))
    return errors


def create_location(data: dict, actor) -> Location:
    """Create a location from form data; raise LocationInvalid listing every bad field."""
    errors = _validate(data, None)
    if errors:
        raise LocationInvalid(str(_l("The location was not saved.")), fields=errors)
    values = {field: data[field] for field in EDITABLE_FIELDS if field in data}
    values["country"] = values["country"].strip().upper()
    with transaction():
        location = Location.create(code=data["code"].strip().upper(), **values)
        record_audit(actor, "location.created", location, code=location.code, kind=location.kind)
    forget_locations()
    return location


def update_location(location: Location, data: dict, actor) -> Location:
    """Change a location's details; its code stays fixed because other systems use it."""
    errors = _validate(data, location)
    if errors:
        raise LocationInvalid(str(_l("The location was not saved.")), fields=errors)
    with transaction():
        for field in EDITABLE_FIELDS:
            if field in data:
                setattr(location, field, data[field])
        location.country = location.country.strip().upper()
        location.save()
        record_audit(actor, "location.updated", location, code=location.code)
    forget_locations()
    return location


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres (haversine)."""
    radius = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


def nearby_locations(origin: Location, kinds=(LocationKind.STORE, LocationKind.WAREHOUSE),
                     limit: int = 5) -> list[tuple[Location, float]]:
    """Other active locations of ``kinds`` nearest to ``origin`` with their distance."""
    if origin.latitude is None:
        return []
    candidates = Location.select().where(Location.id != origin.id, Location.kind.in_(kinds),
                                         Location.active == True,  # noqa: E712
                                         Location.latitude.is_null(False))
    ranked = sorted(((loc, distance_km(origin.latitude, origin.longitude, loc.latitude,
                                       loc.longitude)) for loc in candidates),
                    key=lambda pair: pair[1])
    return ranked[:limit]


def staff_counts():
    """Users per location id (for the location list)."""
    from portal.auth.models import User

    rows = (Location.select(Location.id, fn.COUNT(User.id).alias("n"))
            .join(User, JOIN.LEFT_OUTER, on=(User.home_store == Location.id))
            .group_by(Location.id))
    return {row.id: row.n for row in rows}
