"""The stock ledger: every StockMovement, newest first, with filters and a CSV export.

Built for millions of rows. Location, product and user filters are resolved to ids
first, so the common queries run on the (location, at) and (product, at) indexes;
pages are keyset pages on (at, id) instead of OFFSET; the total is counted up to
COUNT_CAP only; and the export walks the ledger in keyset batches, because psycopg
would otherwise buffer the whole result on the client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import to_utc
from peewee import JOIN, SQL

from portal.auth.models import User
from portal.inventory.labels import MOVEMENT_LABELS
from portal.inventory.models import Product, StockMovement
from portal.locations.models import Location
from portal.pagination import count_up_to

PER_PAGE = 50
COUNT_CAP = 10_000
EXPORT_BATCH = 2_000
PRODUCT_LIST_MAX = 200
EXPORT_HEADER = ["at", "sku", "ean", "product", "location", "kind", "on_hand_delta",
                 "reserved_delta", "safety_delta", "reason", "reference", "user"]
NOTHING = SQL("1 = 0")


@dataclass
class LedgerFilter:
    """What the user asked for, parsed leniently; ``problems`` explains ignored input."""

    sku: str = ""
    location: str = ""
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None
    reference: str = ""
    user: str = ""
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args) -> LedgerFilter:
        """Read the query arguments; bad dates and unknown kinds are dropped with a hint."""
        flt = cls(sku=args.get("sku", "").strip()[:40],
                  location=args.get("location", "").strip().upper()[:16],
                  reference=args.get("reference", "").strip()[:80],
                  user=args.get("user", "").strip()[:160])
        kind = args.get("kind", "").strip()
        if kind in MOVEMENT_LABELS:
            flt.kind = kind
        elif kind:
            flt.problems.append(_("Unknown movement kind “%(kind)s” ignored.", kind=kind[:30]))
        flt.date_from = flt._date(args.get("date_from", ""), _("From"))
        flt.date_to = flt._date(args.get("date_to", ""), _("To"))
        if flt.date_from and flt.date_to and flt.date_from > flt.date_to:
            flt.problems.append(_("The date “from” is after the date “to”."))
        return flt

    def _date(self, text: str, label: str) -> date | None:
        text = text.strip()
        if not text:
            return None
        try:
            day = date.fromisoformat(text)
            if not 1900 <= day.year <= 2999:  # keeps time-zone arithmetic in range
                raise ValueError(text)
            return day
        except ValueError:
            self.problems.append(_("“%(value)s” is not a date (YYYY-MM-DD); the filter "
                                   "“%(label)s” was ignored.", value=text[:30], label=label))
            return None

    def args(self, **changes) -> dict:
        """Query arguments for a link that keeps these filters (empty ones left out)."""
        values = {"sku": self.sku, "location": self.location, "kind": self.kind,
                  "date_from": self.date_from.isoformat() if self.date_from else "",
                  "date_to": self.date_to.isoformat() if self.date_to else "",
                  "reference": self.reference, "user": self.user, **changes}
        return {key: value for key, value in values.items() if value not in ("", None)}


def _product_condition(text: str):
    """An exact SKU or EAN selects that product; otherwise SKU or EAN prefixes match."""
    exact = [pid for (pid,) in Product.select(Product.id).where(
        Product.sku.in_({text, text.upper()}) | (Product.ean == text)).tuples()]
    if exact:
        return StockMovement.product.in_(exact)
    prefixed = Product.select(Product.id).where(
        Product.sku.startswith(text) | Product.ean.startswith(text))
    # A short list of ids lets the database read each product's (product, at) range.
    few = [pid for (pid,) in prefixed.limit(PRODUCT_LIST_MAX + 1).tuples()]
    return StockMovement.product.in_(few if len(few) <= PRODUCT_LIST_MAX else prefixed)


def _local_midnight_utc(day: date) -> datetime:
    """The start of ``day`` in the user's time zone, as naive UTC like the stored times."""
    return to_utc(datetime.combine(day, time.min))


def filter_movements(query, flt: LedgerFilter, user):
    """Apply the filters and the user's store scope to a query over StockMovement."""
    if user.is_store_scoped:
        home = user.home_store
        if home is None or (flt.location and flt.location != home.code):
            return query.where(NOTHING)
        query = query.where(StockMovement.location == home.id)
    elif flt.location:
        location = Location.get_or_none(Location.code == flt.location)
        if location is None:
            return query.where(NOTHING)
        query = query.where(StockMovement.location == location.id)
    if flt.sku:
        query = query.where(_product_condition(flt.sku))
    if flt.kind:
        query = query.where(StockMovement.kind == flt.kind)
    if flt.date_from:
        query = query.where(StockMovement.at >= _local_midnight_utc(flt.date_from))
    if flt.date_to:
        query = query.where(
            StockMovement.at < _local_midnight_utc(flt.date_to + timedelta(days=1)))
    if flt.reference:
        query = query.where(StockMovement.reference.startswith(flt.reference))
    if flt.user:
        query = query.where(StockMovement.user_id.in_(
            User.select(User.id).where(User.email.contains(flt.user))))
    return query


def ledger_query(flt: LedgerFilter, user):
    """Ledger rows newest first, each with ``sku``, ``ean``, ``product_name``,
    ``location_code`` and ``user_email`` beside the movement's own columns."""
    query = (StockMovement
             .select(StockMovement, Product.sku.alias("sku"), Product.ean.alias("ean"),
                     Product.name.alias("product_name"), Location.code.alias("location_code"),
                     User.email.alias("user_email"))
             .join(Product).switch(StockMovement).join(Location).switch(StockMovement)
             .join(User, JOIN.LEFT_OUTER, on=(StockMovement.user_id == User.id)))
    return filter_movements(query, flt, user).order_by(
        StockMovement.at.desc(), StockMovement.id.desc()).objects()


def capped_count(flt: LedgerFilter, user, cap: int | None = None) -> int:
    """Matching rows up to ``cap`` (cap + 1 means "more than cap")."""
    return count_up_to(filter_movements(StockMovement.select(StockMovement.id), flt, user),
                       cap or COUNT_CAP)


def _older_than(at: datetime, movement_id: int):
    # "at <= x" alone bounds the index range; the OR only breaks ties on equal times.
    return (StockMovement.at <= at) & ((StockMovement.at < at) | (StockMovement.id < movement_id))


def _newer_than(at: datetime, movement_id: int):
    return (StockMovement.at >= at) & ((StockMovement.at > at) | (StockMovement.id > movement_id))


def _cursor(value: str | None):
    """(at, id) of the ledger row a page link points at, or None."""
    if not value or not value.isdigit() or len(value) > 18:
        return None
    row = (StockMovement.select(StockMovement.id, StockMovement.at)
           .where(StockMovement.id == int(value)).first())
    return (row.at, row.id) if row else None


@dataclass
class LedgerPage:
    """One keyset page: ``newer``/``older`` are the ids for the neighbouring pages' links."""

    rows: list
    newer: int | None
    older: int | None
    at_start: bool


def ledger_page(flt: LedgerFilter, user, before: str | None, after: str | None,
                per_page: int | None = None) -> LedgerPage:
    """The page older than ``before``, newer than ``after``, or the newest page."""
    per_page = per_page or PER_PAGE
    query = ledger_query(flt, user)
    bound = _cursor(before)
    if not bound and (newer_bound := _cursor(after)):
        rows = list(query.where(_newer_than(*newer_bound))
                    .order_by(StockMovement.at, StockMovement.id).limit(per_page + 1))
        more_newer = len(rows) > per_page
        rows = rows[:per_page][::-1]
        if not rows:  # nothing newer any more: show the newest page instead
            return ledger_page(flt, user, None, None, per_page)
        more_older = query.where(_older_than(rows[-1].at, rows[-1].id)).limit(1).exists()
        return LedgerPage(rows, rows[0].id if more_newer else None,
                          rows[-1].id if more_older else None, not more_newer)
    if bound:
        query = query.where(_older_than(*bound))
    rows = list(query.limit(per_page + 1))
    more_older = len(rows) > per_page
    rows = rows[:per_page]
    more_newer = bool(bound and rows and ledger_query(flt, user).where(
        _newer_than(rows[0].at, rows[0].id)).limit(1).exists())
    return LedgerPage(rows, rows[0].id if more_newer else None,
                      rows[-1].id if more_older else None, not bound)


def iter_movements(flt: LedgerFilter, user, batch: int | None = None):
    """Every matching row, newest first, read in keyset batches so memory stays flat."""
    batch = batch or EXPORT_BATCH
    bound = None
    while True:
        query = ledger_query(flt, user)
        if bound:
            query = query.where(_older_than(*bound))
        seen = 0
        for row in query.limit(batch).iterator():
            seen += 1
            bound = (row.at, row.id)
            yield row
        if seen < batch:
            return


def location_choices(user):
    """Location codes for the filter's suggestions: an employee's own store only."""
    query = Location.select(Location.code, Location.name).order_by(Location.code)
    if user.is_store_scoped:
        return query.where(Location.id == user.home_store_id)
    return query


def _iso_utc(value: datetime) -> str:
    return value.replace(tzinfo=UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def export_rows(flt: LedgerFilter, user):
    """The CSV rows of the filtered ledger, lazily, in EXPORT_HEADER's order."""
    return ([_iso_utc(m.at), m.sku, m.ean or "", m.product_name, m.location_code, m.kind,
             m.on_hand_delta, m.reserved_delta, m.safety_delta, m.reason, m.reference,
             m.user_email or ""] for m in iter_movements(flt, user))
