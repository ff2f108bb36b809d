"""The stock search: one query over stock rows with filters, sorting and a capped count.

Built so it stays fast at a million stock rows: product filters narrow the product
table first (small), the location filter uses the (location, product) index, and
the total is counted up to COUNT_CAP only.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from peewee import fn

from portal.forms import parse_whole_number
from portal.inventory.models import AVAILABLE, IncomingStock, Product, StockLevel
from portal.inventory.status import IncomingStatus
from portal.locations.models import Location
from portal.pagination import count_up_to

COUNT_CAP = 10_000
PER_PAGE = 50
MAX_PAGE = COUNT_CAP // PER_PAGE + 1  # past the capped count there is nothing to page to

# Every ordering can be read from an index in order, so LIMIT stops early.
SORTS = {
    "sku": (Product.sku, StockLevel.location),
    "name": (Product.name, Product.sku, StockLevel.location),
    "location": (Location.code, StockLevel.product),
    "available": (AVAILABLE, StockLevel.id),
}
SORT_LABELS = {"sku": _l("SKU"), "name": _l("Name"), "location": _l("Location"),
               "available": _l("Available")}


@dataclass
class StockFilter:
    """What the user asked for; parsed leniently from query arguments."""

    q: str = ""
    location: str = ""
    kind: str = ""
    category: str = ""
    out_of_stock: bool = False
    below_safety: bool = False
    incoming: bool = False
    sort: str = "sku"
    descending: bool = False
    page: int = 1

    @classmethod
    def from_args(cls, args, default_location: str = "") -> StockFilter:
        sort = args.get("sort", "sku")
        page = min(max(1, parse_whole_number(args.get("page")) or 1), MAX_PAGE)
        return cls(q=args.get("q", "").strip()[:80],
                   location=args.get("location", default_location).strip().upper()[:16],
                   kind=args.get("kind", "").strip()[:16],
                   category=args.get("category", "").strip()[:80],
                   out_of_stock=args.get("out_of_stock") == "1",
                   below_safety=args.get("below_safety") == "1",
                   incoming=args.get("incoming") == "1",
                   sort=sort if sort in SORTS else "sku",
                   descending=args.get("dir") == "desc", page=page)

    def args(self, **changes) -> dict:
        """Query arguments for a link that keeps this filter (with ``changes``)."""
        values = {"q": self.q, "location": self.location, "kind": self.kind,
                  "category": self.category, "out_of_stock": "1" if self.out_of_stock else "",
                  "below_safety": "1" if self.below_safety else "",
                  "incoming": "1" if self.incoming else "", "sort": self.sort,
                  "dir": "desc" if self.descending else "", "page": self.page}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None, 1) or k == "page"
                and v != 1}


def matches_text(text: str):
    """SKU or EAN starts with ``text``, or name or brand contains it.

    A condition on the joined product row (not an IN-subquery), so the database
    can walk products in order and stop after one page.
    """
    like = f"%{text}%"
    return (Product.sku.startswith(text.upper()) | Product.ean.startswith(text)
            | Product.name.ilike(like) | Product.brand.ilike(like))


def stock_query(flt: StockFilter):
    """The filtered, sorted query; rows carry their product and location (only the columns
    the page shows, which matters at fifty rows a page)."""
    query = (StockLevel
             .select(StockLevel.id, StockLevel.product, StockLevel.location, StockLevel.on_hand,
                     StockLevel.reserved, StockLevel.safety_stock, Product.id, Product.sku,
                     Product.name, Location.id, Location.code, Location.name, Location.kind)
             .join(Product).switch(StockLevel).join(Location))
    if flt.q:
        query = query.where(matches_text(flt.q))
    if flt.category:
        query = query.where(Product.category == flt.category)
    if flt.location:
        query = query.where(Location.code == flt.location)
    if flt.kind:
        query = query.where(Location.kind == flt.kind)
    if flt.out_of_stock:
        query = query.where(AVAILABLE <= 0)
    if flt.below_safety:
        query = query.where(StockLevel.on_hand < StockLevel.safety_stock)
    if flt.incoming:
        open_incoming = (IncomingStock.select(IncomingStock.id)
                         .where(IncomingStock.product == StockLevel.product,
                                IncomingStock.location == StockLevel.location,
                                IncomingStock.status == IncomingStatus.OPEN))
        query = query.where(fn.EXISTS(open_incoming))
    order = SORTS[flt.sort]
    return query.order_by(*(f.desc() if flt.descending else f for f in order))


def capped_count(query, cap: int = COUNT_CAP) -> int:
    """Rows in ``query`` up to ``cap`` (cap + 1 means "more than cap")."""
    return count_up_to(query.select(StockLevel.id), cap)


def incoming_totals(rows) -> dict[tuple[int, int], int]:
    """Open incoming quantity per (product, location) for the rows on one page."""
    keys = {(row.product_id, row.location_id) for row in rows}
    if not keys:
        return {}
    query = (IncomingStock.select(IncomingStock.product, IncomingStock.location,
                                  fn.SUM(IncomingStock.quantity).alias("qty"))
             .where(IncomingStock.status == IncomingStatus.OPEN,
                    IncomingStock.product.in_({p for p, _ in keys}),
                    IncomingStock.location.in_({loc for _, loc in keys}))
             .group_by(IncomingStock.product, IncomingStock.location).tuples())
    return {(p, loc): int(qty) for p, loc, qty in query if (p, loc) in keys}


def categories() -> list[str]:
    return [c for (c,) in Product.select(Product.category).distinct()
            .order_by(Product.category).tuples() if c]


def location_choices():
    return Location.select(Location.id, Location.code, Location.name, Location.kind).where(
        Location.active == True).order_by(Location.kind, Location.name)  # noqa: E712


