"""Creating, changing and deactivating suppliers (the only writers), and the queries that
the screens and the sourcing engine ask."""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from peewee import JOIN, IntegrityError

from portal.audit.services import record_audit
from portal.db import transaction, utcnow
from portal.errors import NotFound
from portal.forms import parse_whole_number
from portal.locations.models import Location
from portal.locations.services import CODE_PATTERN
from portal.locations.status import LocationKind
from portal.suppliers.countries import parse_country_codes
from portal.suppliers.errors import SupplierInvalid
from portal.suppliers.models import MAX_LEAD_TIME_DAYS, Supplier, SupplierCountry

TEXT_FIELDS = ("name", "contact_name", "contact_email", "contact_phone")
EDITABLE_FIELDS = (*TEXT_FIELDS, "lead_time_days", "dropship", "active", "notes")
MAX_NOTES = 4000


# -- reading --------------------------------------------------------------------------

def get_supplier(code: str) -> Supplier:
    """The supplier with ``code`` (any case); NotFound when there is none."""
    supplier = (Supplier.select(Supplier, Location).join(Location, JOIN.LEFT_OUTER)
                .where(Supplier.code == (code or "").strip().upper()).first())
    if supplier is None:
        raise NotFound(str(_l("No such supplier.")))
    return supplier


def search_suppliers(query: str = "", country: str = "", dropship: bool | None = None,
                     active: bool | None = None):
    """Suppliers matching a text (code, name, contact), a country they serve, drop-ship and
    active flags (None: either), by name; each row carries its warehouse Location."""
    select = Supplier.select(Supplier, Location).join(Location, JOIN.LEFT_OUTER)
    if query:
        like = f"%{query.strip()}%"
        select = select.where(Supplier.code.ilike(like) | Supplier.name.ilike(like)
                              | Supplier.contact_name.ilike(like)
                              | Supplier.contact_email.ilike(like))
    if country:
        serving = SupplierCountry.select(SupplierCountry.supplier).where(
            SupplierCountry.country == country.strip().upper())
        select = select.where(Supplier.id.in_(serving))
    if dropship is not None:
        select = select.where(Supplier.dropship == dropship)
    if active is not None:
        select = select.where(Supplier.active == active)
    return select.order_by(Supplier.name, Supplier.code)


def suppliers_serving(country: str, dropship_only: bool = False):
    """Active suppliers that deliver to ``country`` (ISO alpha-2, any case), shortest lead
    time first; ``dropship_only`` keeps those that ship straight to the end customer.

    For the sourcing engine's pools: each row's ``location_id`` is the supplier's
    warehouse (None while none is assigned, so such a supplier offers no stock).
    A query, so callers can filter further (e.g. ``.where(Supplier.location.is_null(False))``).
    """
    query = (Supplier.select().join(SupplierCountry)
             .where(SupplierCountry.country == (country or "").strip().upper(),
                    Supplier.active == True))  # noqa: E712
    if dropship_only:
        query = query.where(Supplier.dropship == True)  # noqa: E712
    return query.order_by(Supplier.lead_time_days, Supplier.code)


def supplier_for_location(location_id: int) -> Supplier | None:
    """The supplier whose warehouse is the location ``location_id`` (active or not), or None."""
    return Supplier.get_or_none(Supplier.location == location_id)


def countries_by_supplier(supplier_ids) -> dict[int, list[str]]:
    """The sorted country codes of each supplier in ``supplier_ids``, in one query."""
    ids = list(supplier_ids)
    found: dict[int, list[str]] = {supplier_id: [] for supplier_id in ids}
    if ids:
        rows = (SupplierCountry.select(SupplierCountry.supplier, SupplierCountry.country)
                .where(SupplierCountry.supplier.in_(ids))
                .order_by(SupplierCountry.country).tuples())
        for supplier_id, country in rows:
            found[supplier_id].append(country)
    return found


def country_codes(supplier: Supplier) -> list[str]:
    """The countries ``supplier`` serves, sorted."""
    return countries_by_supplier([supplier.id])[supplier.id]


def served_countries() -> list[str]:
    """Every country at least one supplier serves, sorted (for the list's filter)."""
    rows = SupplierCountry.select(SupplierCountry.country).distinct().tuples()
    return sorted(country for (country,) in rows)


def assignable_locations(supplier: Supplier | None = None):
    """Locations of kind supplier that have no supplier yet, plus ``supplier``'s own."""
    taken = Supplier.select(Supplier.location).where(Supplier.location.is_null(False))
    if supplier is not None and supplier.id is not None:
        taken = taken.where(Supplier.id != supplier.id)
    return (Location.select().where(Location.kind == LocationKind.SUPPLIER,
                                    Location.id.not_in(taken))
            .order_by(Location.name))


# -- validating -----------------------------------------------------------------------

@dataclass(frozen=True)
class _Clean:
    """Validated values ready to store."""

    values: dict
    countries: list[str]
    location: Location | None


def _find_location(value) -> Location | None:
    """A location from a Location, an id or a code; None for an empty value."""
    if value is None or value == "":
        return None
    if isinstance(value, Location):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Location.get_or_none(Location.id == value)
    return Location.get_or_none(Location.code == str(value).strip().upper())


def _location_errors(value, existing: Supplier | None) -> tuple[Location | None, str | None]:
    if value is None or value == "":
        return None, None
    location = _find_location(value)
    if location is None:
        return None, str(_l("No such location."))
    if location.kind != LocationKind.SUPPLIER:
        return None, str(_l("%(code)s is not a supplier warehouse (location kind supplier).",
                            code=location.code))
    owner = Supplier.get_or_none(Supplier.location == location.id)
    if owner is not None and (existing is None or owner.id != existing.id):
        return None, str(_l("%(location)s belongs to supplier %(supplier)s already.",
                            location=location.code, supplier=owner.code))
    return location, None


def _lead_time(value) -> tuple[int | None, str | None]:
    """Whole days as an int (or digits in a string) from 0 to MAX_LEAD_TIME_DAYS."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, str(_l("Enter the lead time in days."))
    if isinstance(value, int) and not isinstance(value, bool):
        days = value
    elif isinstance(value, str):
        days = parse_whole_number(value)
    else:
        days = None
    if days is None or not 0 <= days <= MAX_LEAD_TIME_DAYS:
        return None, str(_l("Whole days from 0 to %(n)s.", n=MAX_LEAD_TIME_DAYS))
    return days, None


def _clean(data: dict, existing: Supplier | None) -> _Clean:
    """Check every field of ``data``; raise SupplierInvalid naming each bad one."""
    errors: dict[str, str] = {}
    values: dict = {}
    if existing is None:
        code = (data.get("code") or "").strip().upper()
        if not CODE_PATTERN.match(code):
            errors["code"] = str(_l("2-16 capital letters, digits or dashes."))
        elif Supplier.select().where(Supplier.code == code).exists():
            errors["code"] = str(_l("This code is taken."))
        values["code"] = code
    for field in TEXT_FIELDS:
        text = (data.get(field) or "").strip()
        limit = Supplier._meta.fields[field].max_length
        if len(text) > limit:
            errors[field] = str(_l("At most %(n)s characters.", n=limit))
        values[field] = text
    if not values["name"] and "name" not in errors:
        errors["name"] = str(_l("Enter a name."))
    if values["contact_email"] and "contact_email" not in errors:
        try:
            checked = validate_email(values["contact_email"], check_deliverability=False)
        except EmailNotValidError:
            errors["contact_email"] = str(_l("Enter a valid e-mail address."))
        else:
            values["contact_email"] = checked.normalized
    values["lead_time_days"], problem = _lead_time(data.get("lead_time_days"))
    if problem:
        errors["lead_time_days"] = problem
    countries, unknown = parse_country_codes(data.get("countries") or "")
    if unknown:
        errors["countries"] = str(_l("Not an ISO country code: %(codes)s.",
                                     codes=", ".join(unknown)))
    elif not countries:
        errors["countries"] = str(_l("Enter at least one country code, e.g. DE."))
    location, problem = _location_errors(data.get("location"), existing)
    if problem:
        errors["location"] = problem
    notes = (data.get("notes") or "").strip()
    if len(notes) > MAX_NOTES:
        errors["notes"] = str(_l("At most %(n)s characters.", n=MAX_NOTES))
    values["notes"] = notes
    values["dropship"] = bool(data.get("dropship"))
    values["active"] = bool(data.get("active", True))
    if errors:
        raise SupplierInvalid(str(_l("The supplier was not saved.")), fields=errors)
    return _Clean(values, countries, location)


def _set_countries(supplier: Supplier, countries: list[str]) -> None:
    """Make the supplier's country rows exactly ``countries``."""
    (SupplierCountry.delete()
     .where(SupplierCountry.supplier == supplier.id, SupplierCountry.country.not_in(countries))
     .execute())
    have = set(countries_by_supplier([supplier.id])[supplier.id])
    missing = [{"supplier": supplier.id, "country": c} for c in countries if c not in have]
    if missing:
        SupplierCountry.insert_many(missing).execute()


# -- writing --------------------------------------------------------------------------

def create_supplier(data: dict, actor) -> Supplier:
    """Create a supplier from form data (code, name, contact_*, lead_time_days, countries
    as text or a list, dropship, active, notes, location as a code, id or Location);
    raise SupplierInvalid listing every bad field and write nothing."""
    clean = _clean(data, None)
    try:
        with transaction():
            supplier = Supplier.create(location=clean.location, **clean.values)
            _set_countries(supplier, clean.countries)
            record_audit(actor, "supplier.created", supplier, code=supplier.code,
                         name=supplier.name, countries=clean.countries,
                         dropship=supplier.dropship,
                         location=clean.location.code if clean.location else None)
    except IntegrityError:
        # Someone took the code or the location between our check and the insert:
        # checking again names the field.
        _clean(data, None)
        raise
    return supplier


def update_supplier(supplier: Supplier, data: dict, actor) -> Supplier:
    """Change a supplier's details, countries and warehouse; its code stays fixed because
    other systems (feeds, purchase orders) use it."""
    clean = _clean(data, supplier)
    before = {field: getattr(supplier, field) for field in EDITABLE_FIELDS}
    before_countries = country_codes(supplier)
    before_location = supplier.location_id
    changed = [field for field in EDITABLE_FIELDS if before[field] != clean.values[field]]
    if before_countries != clean.countries:
        changed.append("countries")
    new_location = clean.location.id if clean.location else None
    if before_location != new_location:
        changed.append("location")
    try:
        with transaction():
            for field in EDITABLE_FIELDS:
                setattr(supplier, field, clean.values[field])
            supplier.location = clean.location
            supplier.updated_at = utcnow()
            supplier.save()
            _set_countries(supplier, clean.countries)
            record_audit(actor, "supplier.updated", supplier, code=supplier.code,
                         changed=changed or None, countries=clean.countries,
                         location=clean.location.code if clean.location else None)
    except IntegrityError:
        for field, value in before.items():
            setattr(supplier, field, value)
        supplier.location = before_location
        _clean(data, supplier)
        raise
    return supplier


def _set_active(supplier: Supplier, active: bool, actor, action: str) -> Supplier:
    if supplier.active == active:
        return supplier
    with transaction():
        Supplier.update(active=active, updated_at=utcnow()).where(
            Supplier.id == supplier.id).execute()
        record_audit(actor, action, supplier, code=supplier.code)
    supplier.active = active
    return supplier


def deactivate_supplier(supplier: Supplier, actor) -> Supplier:
    """Take the supplier out of sourcing (``suppliers_serving``); its data and warehouse stay.
    Deactivating an inactive supplier changes nothing and records nothing."""
    return _set_active(supplier, False, actor, "supplier.deactivated")


def reactivate_supplier(supplier: Supplier, actor) -> Supplier:
    """Let an inactive supplier be sourced from again."""
    return _set_active(supplier, True, actor, "supplier.reactivated")
