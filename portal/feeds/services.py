"""Creating and changing supplier feeds (the only writers of their settings) and the
queries the screens ask. Imports write their results in ``importer.py``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from peewee import IntegrityError

from portal.audit.services import record_audit
from portal.db import transaction, utcnow
from portal.errors import DomainError, NotFound
from portal.feeds.fetch import drop_dir, resolve_folder
from portal.feeds.freshness import forget_freshness
from portal.feeds.models import MAX_EVERY_MINUTES, MAX_STALE_HOURS, SupplierFeed
from portal.feeds.parse import DELIMITERS, ENCODINGS, FORMATS
from portal.forms import whole_in_range
from portal.locations.models import Location
from portal.locations.status import LocationKind
from portal.suppliers.models import Supplier

SOURCES = ("url", "folder")
FEED_KINDS = (LocationKind.SUPPLIER, LocationKind.PARTNER, LocationKind.MARKETPLACE)
MAPPING_FIELDS = {"sku_column": "sku", "quantity_column": "quantity",
                  "incoming_quantity_column": "incoming_quantity",
                  "incoming_date_column": "incoming_date", "records_path": "records"}
SETTINGS = ("name", "source", "url", "folder", "filename_pattern", "format", "delimiter",
            "encoding", "mapping", "full_snapshot", "stale_after_hours", "every_minutes",
            "active")
RECORDS_PATH = re.compile(r"[\w.-]{1,100}")


class FeedInvalid(DomainError):
    """Bad feed settings; ``fields`` names every input that is wrong."""

    status = 400


def get_feed(supplier: Supplier, feed_id: int) -> SupplierFeed:
    """The supplier's feed ``feed_id``; NotFound for another supplier's or none."""
    feed = SupplierFeed.get_or_none(SupplierFeed.id == feed_id,
                                    SupplierFeed.supplier == supplier.id)
    if feed is None:
        raise NotFound(str(_l("No such feed.")))
    return feed


def supplier_feeds(supplier: Supplier) -> list[SupplierFeed]:
    """The supplier's feeds with their locations, by name."""
    return list(SupplierFeed.select(SupplierFeed, Location).join(Location)
                .where(SupplierFeed.supplier == supplier.id)
                .order_by(SupplierFeed.name, SupplierFeed.id))


def feed_locations(supplier: Supplier, feed: SupplierFeed | None = None) -> list[Location]:
    """Where a feed of ``supplier`` may write: its own warehouse, and partner and
    marketplace locations (and supplier ones nobody owns) that have no feed yet."""
    taken = SupplierFeed.select(SupplierFeed.location)
    if feed is not None:
        taken = taken.where(SupplierFeed.id != feed.id)
    owned = Supplier.select(Supplier.location).where(Supplier.location.is_null(False),
                                                     Supplier.id != supplier.id)
    return list(Location.select().where(Location.kind.in_(FEED_KINDS),
                                        Location.id.not_in(taken), Location.id.not_in(owned))
                .order_by(Location.id != (supplier.location_id or 0), Location.name))


@dataclass(frozen=True)
class _Clean:
    values: dict
    location: Location


def _text(data: dict, name: str, limit: int, errors: dict, required: bool = False) -> str:
    value = str(data.get(name) or "").strip()
    if len(value) > limit:
        errors[name] = str(_l("At most %(n)s characters.", n=limit))
    elif required and not value:
        errors[name] = str(_l("A value is required."))
    return value


def _location(supplier: Supplier, code, feed, errors: dict) -> Location | None:
    location = Location.get_or_none(Location.code == str(code or "").strip().upper())
    if location is None:
        errors["location"] = str(_l("Choose the location whose stock the feed sets."))
        return None
    if location.id != supplier.location_id and location.kind not in FEED_KINDS:
        errors["location"] = str(_l(
            "A feed sets the stock of the supplier's warehouse or of a supplier, partner or "
            "marketplace location, not of a %(kind)s.", kind=location.kind))
        return None
    owner = Supplier.get_or_none(Supplier.location == location.id)
    if owner is not None and owner.id != supplier.id:
        errors["location"] = str(_l("%(location)s is the warehouse of supplier %(supplier)s.",
                                    location=location.code, supplier=owner.code))
        return None
    other = SupplierFeed.get_or_none(SupplierFeed.location == location.id)
    if other is not None and (feed is None or other.id != feed.id):
        errors["location"] = str(_l("%(location)s has a feed already (%(name)s).",
                                    location=location.code, name=other.name))
        return None
    return location


def _source(data: dict, values: dict, errors: dict) -> None:
    values["source"] = str(data.get("source") or "url")
    if values["source"] not in SOURCES:
        errors["source"] = str(_l("Choose URL or folder."))
        return
    values["url"] = _text(data, "url", SupplierFeed.url.max_length, errors)
    values["folder"] = _text(data, "folder", SupplierFeed.folder.max_length, errors)
    pattern = _text(data, "filename_pattern", SupplierFeed.filename_pattern.max_length, errors)
    values["filename_pattern"] = pattern or f"*.{values.get('format') or 'csv'}"
    if values["source"] == "url":
        parts = urlsplit(values["url"])
        if "url" not in errors and (parts.scheme not in ("http", "https") or not parts.hostname
                                    or any(c.isspace() for c in values["url"])):
            errors["url"] = str(_l("An http:// or https:// address."))
        values["folder"] = ""
        return
    folder = resolve_folder(values["folder"]) if values["folder"] else None
    if "folder" not in errors and folder is None:
        errors["folder"] = str(_l("A folder inside %(base)s.", base=drop_dir()))
    elif folder is not None:
        values["folder"] = str(folder.relative_to(drop_dir()))
    if "/" in pattern or "\\" in pattern:
        errors["filename_pattern"] = str(_l("A file name pattern such as *.csv, no folders."))
    values["url"] = ""


def _mapping(data: dict, values: dict, errors: dict) -> None:
    mapping = {}
    for name, key in MAPPING_FIELDS.items():
        text = _text(data, name, 100, errors, required=key in ("sku", "quantity"))
        if text:
            mapping[key] = text
    if ("incoming_quantity" in mapping) != ("incoming_date" in mapping):
        missing = "incoming_date_column" if "incoming_quantity" in mapping \
            else "incoming_quantity_column"
        errors[missing] = str(_l("Incoming quantity and date come together: name both "
                                 "or neither."))
    if mapping.get("records") and (values["format"] != "json"
                                   or not RECORDS_PATH.fullmatch(mapping["records"])):
        errors["records_path"] = str(_l("JSON only: the key of the array, e.g. items."))
    values["mapping"] = json.dumps(mapping, sort_keys=True)


def _clean(supplier: Supplier, data: dict, feed: SupplierFeed | None) -> _Clean:
    """Check every setting; raise FeedInvalid naming each bad one."""
    errors: dict[str, str] = {}
    values = {"name": _text(data, "name", SupplierFeed.name.max_length, errors, required=True)}
    values["format"] = str(data.get("format") or "csv")
    if values["format"] not in FORMATS:
        errors["format"] = str(_l("CSV or JSON."))
    values["delimiter"] = str(data.get("delimiter") or ",")
    if values["delimiter"] not in DELIMITERS:
        errors["delimiter"] = str(_l("Choose a delimiter."))
    values["encoding"] = str(data.get("encoding") or "utf-8")
    if values["encoding"] not in ENCODINGS:
        errors["encoding"] = str(_l("Choose an encoding."))
    elif values["format"] == "json" and values["encoding"] != "utf-8":
        errors["encoding"] = str(_l("JSON files are UTF-8."))
    _source(data, values, errors)
    _mapping(data, values, errors)
    values["stale_after_hours"] = whole_in_range(data.get("stale_after_hours"), errors,
                                                 "stale_after_hours", 1, MAX_STALE_HOURS, 24)
    values["every_minutes"] = whole_in_range(data.get("every_minutes"), errors,
                                             "every_minutes", 1, MAX_EVERY_MINUTES, 60)
    values["full_snapshot"] = bool(data.get("full_snapshot"))
    values["active"] = bool(data.get("active", True))
    location = _location(supplier, data.get("location"), feed, errors)
    if errors:
        raise FeedInvalid(str(_l("The feed was not saved.")), fields=errors)
    return _Clean(values, location)


def create_feed(supplier: Supplier, data: dict, actor) -> SupplierFeed:
    """A new feed of ``supplier`` from form data (see ``MAPPING_FIELDS`` and ``SETTINGS``;
    ``location`` as a code); FeedInvalid lists every bad field and nothing is written."""
    clean = _clean(supplier, data, None)
    try:
        with transaction():
            feed = SupplierFeed.create(supplier=supplier, location=clean.location,
                                       **clean.values)
            record_audit(actor, "supplier_feed.created", feed, supplier=supplier.code,
                         location=clean.location.code, **_audit(clean.values))
    except IntegrityError:
        _clean(supplier, data, None)  # someone took the location meanwhile: name it
        raise
    forget_freshness()
    return feed


def update_feed(feed: SupplierFeed, data: dict, actor) -> SupplierFeed:
    """Change a feed's settings (its results stay); FeedInvalid as for ``create_feed``."""
    supplier = Supplier.get_by_id(feed.supplier_id)
    clean = _clean(supplier, data, feed)
    changed = [name for name in SETTINGS if getattr(feed, name) != clean.values[name]]
    if feed.location_id != clean.location.id:
        changed.append("location")
    with transaction():
        values = {**clean.values, "location": clean.location, "updated_at": utcnow()}
        if {"format", "delimiter", "encoding", "mapping", "location"} & set(changed):
            values["last_checksum"] = ""  # the same file may read differently now
        SupplierFeed.update(**values).where(SupplierFeed.id == feed.id).execute()
        record_audit(actor, "supplier_feed.updated", feed, supplier=supplier.code,
                     changed=changed or None, **_audit(clean.values))
    forget_freshness()
    return SupplierFeed.get_by_id(feed.id)


def _audit(values: dict) -> dict:
    return {"source": values["source"], "url": values["url"] or None,
            "folder": values["folder"] or None, "format": values["format"],
            "active": values["active"]}
