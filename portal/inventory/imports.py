"""CSV import and export of products, locations and stock levels.

An import runs twice over the same code: ``preview_import`` reads and checks every line
against the database and counts what would change; ``apply_import`` repeats that inside
one write transaction (the database may have changed since the preview) and, only when
no line has an error, writes everything with bulk statements: all or nothing.

Upserts go by key (``sku``, ``code``, ``sku`` + ``location``). A column left out of the
file keeps the stored value; a column present but empty clears it (or sets the default).

Stock levels are planned and written, with their ledger rows, in ``stock_import.py``;
the bulk statements (executemany batches, chunked key lookups) live in ``portal/bulk.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

import peewee
from flask_babel import lazy_gettext as _l

from portal import bulk
from portal.audit.services import record_audit
from portal.csvfiles import (
    CellReader,
    CsvProblem,
    parse_decimal,
    parse_flag,
    parse_whole_number,
    read_table,
)
from portal.db import transaction
from portal.errors import DomainError
from portal.inventory.errors import StockError
from portal.inventory.models import Product, StockLevel
from portal.inventory.stock_import import plan_stock
from portal.locations.directory import forget_locations
from portal.locations.models import Location
from portal.locations.services import location_field_errors


class ImportKind(StrEnum):
    """What a file holds; also the name of its export."""

    PRODUCTS = "products"
    LOCATIONS = "locations"
    STOCK = "stock"


COLUMNS = {
    ImportKind.PRODUCTS: ("sku", "ean", "name", "brand", "category", "price", "weight_grams",
                          "tags", "active"),
    ImportKind.LOCATIONS: ("code", "name", "kind", "street", "postcode", "city", "country",
                           "latitude", "longitude", "ships", "click_collect", "locker_pickup",
                           "accepts_returns", "daily_capacity", "priority", "active"),
    ImportKind.STOCK: ("sku", "location", "on_hand", "safety_stock", "bin"),
}
REQUIRED = {ImportKind.PRODUCTS: ("sku", "name", "price"),
            ImportKind.LOCATIONS: ("code", "name", "kind"),
            ImportKind.STOCK: ("sku", "location", "on_hand")}
# Columns of the stock export that are there to read, skipped on import (round trip).
READ_ONLY = {ImportKind.PRODUCTS: (), ImportKind.LOCATIONS: (),
             ImportKind.STOCK: ("name", "reserved", "available")}
MAX_ROWS = 200_000
SAMPLE_SIZE = 20
MAX_PRICE = Decimal("99999999.99")
CENT = Decimal("0.01")
SKU_PATTERN = re.compile(r"[^\s/\\]+")


LineError = CsvProblem  # (line number or None for the whole file, column, message)


@dataclass
class RowChange:
    """A line that creates or updates a record: (column, old, new) for what changes."""

    line: int
    key: str
    action: str  # "create" or "update"
    fields: list[tuple[str, object, object]]


@dataclass
class ImportPreview:
    """What a file would do (or, after apply, did): counts, a sample and every error."""

    kind: ImportKind
    filename: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    sample: list[RowChange] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)

    @property
    def changes(self) -> int:
        """Records the file creates or updates."""
        return self.created + self.updated

    @property
    def can_apply(self) -> bool:
        """True when the file has no error and changes something."""
        return not self.errors and self.changes > 0

    def error(self, line: int | None, column: str, message) -> None:
        """Record a problem of the file (line None) or of one line and column."""
        self.errors.append(LineError(line, column, str(message)))

    def count(self, line: int, key: str, old: dict | None, new: dict, columns) -> bool:
        """Count one valid line as created, updated or unchanged; True if it changes."""
        if old is None:
            self.created += 1
            diff = [(c, None, new[c]) for c in columns if new[c] not in (None, "")]
        else:
            diff = [(c, old[c], new[c]) for c in columns if old[c] != new[c]]
            if not diff:
                self.unchanged += 1
                return False
            self.updated += 1
        if len(self.sample) < SAMPLE_SIZE:
            self.sample.append(RowChange(line, key, "create" if old is None else "update",
                                         diff))
        return True


class ImportRejected(DomainError):
    """The file has errors (listed in ``preview.errors``); nothing was written."""

    def __init__(self, preview: ImportPreview):
        super().__init__(str(_l("The file has errors; nothing was changed.")))
        self.preview = preview


Writer = Callable[[object], None]


def _defaults(model, columns) -> dict:
    return {c: model._meta.fields[c].default for c in columns}


# -- products ------------------------------------------------------------------------

def gs1_check_digit(body: str) -> int:
    """The GS1 check digit for the digits before it (EAN-8/13, UPC-A, GTIN-14)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def _ean(cells: CellReader) -> str | None:
    """The EAN of the row, None when empty or wrong (then with an error)."""
    ean = cells.raw.get("ean", "").replace(" ", "")
    if not ean:
        return None
    if re.fullmatch(r"[\d.,]+E\+?\d+", ean, re.IGNORECASE):
        cells.fail("ean", _l("The spreadsheet turned this EAN into a number (%(value)s); "
                             "format the column as text and save again.", value=ean))
    elif not re.fullmatch(r"[0-9]{8}|[0-9]{12,14}", ean):  # ASCII digits: int() must read them
        cells.fail("ean", _l("An EAN has 8, 12, 13 or 14 digits."))
    elif gs1_check_digit(ean[:-1]) != int(ean[-1]):
        cells.fail("ean", _l("Wrong check digit: %(ean)s should end in %(digit)s.",
                             ean=ean, digit=gs1_check_digit(ean[:-1])))
    else:
        return ean
    return None


def _product_values(cells: CellReader) -> dict:
    fields = Product._meta.fields
    sku = cells.text("sku", fields["sku"].max_length, required=True)
    if sku and not SKU_PATTERN.fullmatch(sku):
        cells.fail("sku", _l("No spaces or slashes in a SKU."))
    values = {"sku": sku, "ean": _ean(cells),
              "name": cells.text("name", fields["name"].max_length, required=True),
              "brand": cells.text("brand", fields["brand"].max_length),
              "category": cells.text("category", fields["category"].max_length),
              "tags": " ".join(cells.text("tags", fields["tags"].max_length).split()),
              "weight_grams": cells.typed("weight_grams", parse_whole_number, 0, 10**9) or 0,
              "active": cells.typed("active", parse_flag)}
    price = cells.typed("price", parse_decimal, CENT, MAX_PRICE)
    if not cells.raw.get("price"):
        cells.fail("price", _l("A value is required."))
    elif price is not None and price != price.quantize(CENT):
        cells.fail("price", _l("At most two decimal places; write 1234.50 or 1.234,50."))
    values["price"] = price.quantize(CENT) if price is not None else None
    values["active"] = True if values["active"] is None else values["active"]
    return values


def _plan_products(columns: list[str], rows, preview: ImportPreview, lock: bool) -> Writer:
    by_sku: dict[str, tuple[int, dict]] = {}
    ean_lines: dict[str, int] = {}
    for line, raw in rows:
        cells = CellReader(line, raw, preview.errors)
        values = _product_values(cells)
        sku, ean = values["sku"], values["ean"]
        if sku in by_sku:
            cells.fail("sku", _l("SKU %(sku)s appears again (first on line %(line)s).",
                                 sku=sku, line=by_sku[sku][0]))
        if ean in ean_lines:
            cells.fail("ean", _l("EAN %(ean)s appears again (first on line %(line)s).",
                                 ean=ean, line=ean_lines[ean]))
        if sku:
            by_sku.setdefault(sku, (line, values if cells.ok else {}))
        if ean:
            ean_lines.setdefault(ean, line)
    stored = {p["sku"]: p for p in bulk.lookup(Product.select().dicts(), Product.sku, by_sku,
                                               lock=lock)}
    holders = {p.ean: p.sku for p in bulk.lookup(Product.select(Product.sku, Product.ean),
                                                 Product.ean, ean_lines, lock=False)}
    upserts, ean_cleared = [], []
    for sku, (line, values) in sorted(by_sku.items(), key=lambda item: item[1][0]):
        if not values:
            continue  # the line has errors already
        holder = holders.get(values["ean"])
        if holder and holder != sku and not (holder in by_sku and "ean" in columns):
            preview.error(line, "ean", _l("EAN %(ean)s belongs to product %(sku)s.",
                                          ean=values["ean"], sku=holder))
            continue
        old = stored.get(sku)
        new = {**(old or _defaults(Product, COLUMNS[ImportKind.PRODUCTS])),
               **{c: values[c] for c in columns}}
        if preview.count(line, sku, old, new, columns):
            upserts.append({c: new[c] for c in COLUMNS[ImportKind.PRODUCTS]})
            if old and old["ean"] != new["ean"] and old["ean"]:
                ean_cleared.append(old["id"])

    def write(_user) -> None:
        # Free changed EANs first, so two products may swap theirs in one file.
        for chunk in bulk.chunks(ean_cleared):
            Product.update(ean=None).where(Product.id.in_(chunk)).execute()
        bulk.upsert(Product, Product.sku, upserts)

    return write


# -- locations -----------------------------------------------------------------------

def _location_values(cells: CellReader, columns: list[str]) -> dict:
    values = {c: cells.raw[c] for c in ("name", "street", "postcode", "city") if c in columns}
    values["code"] = cells.raw.get("code", "").upper()
    values["kind"] = cells.raw.get("kind", "").lower()
    values["country"] = cells.raw.get("country", "").upper()
    for column in ("latitude", "longitude"):
        number = cells.typed(column, parse_decimal)
        values[column] = None if number is None else float(number)
    for column in ("daily_capacity", "priority"):
        values[column] = cells.typed(column, parse_whole_number)
    for column in ("ships", "click_collect", "locker_pickup", "accepts_returns", "active"):
        values[column] = cells.typed(column, parse_flag)
    return values


def _plan_locations(columns: list[str], rows, preview: ImportPreview, lock: bool) -> Writer:
    parsed: dict[str, tuple[int, dict, bool]] = {}
    for line, raw in rows:
        cells = CellReader(line, raw, preview.errors)
        values = _location_values(cells, columns)
        code = values["code"]
        if not code:
            cells.fail("code", _l("A value is required."))
        elif code in parsed:
            cells.fail("code", _l("Code %(code)s appears again (first on line %(line)s).",
                                  code=code, line=parsed[code][0]))
        else:
            parsed[code] = (line, values, cells.ok)
    stored = {loc["code"]: loc for loc in bulk.lookup(Location.select().dicts(), Location.code,
                                                      parsed, lock=lock)}
    defaults = _defaults(Location, COLUMNS[ImportKind.LOCATIONS])
    upserts = []
    for code, (line, values, ok) in sorted(parsed.items(), key=lambda item: item[1][0]):
        old = stored.get(code)
        new = {**(old or defaults), **{c: values[c] for c in columns}}
        for flag in ("ships", "click_collect", "locker_pickup", "accepts_returns", "active"):
            new[flag] = defaults[flag] if new[flag] is None else new[flag]
        new["priority"] = defaults["priority"] if new["priority"] is None else new["priority"]
        for column, message in location_field_errors(new, new=old is None).items():
            preview.error(line, column, message)
            ok = False
        if ok and preview.count(line, code, old, new, columns):
            upserts.append({c: new[c] for c in COLUMNS[ImportKind.LOCATIONS]})
    return lambda _user: bulk.upsert(Location, Location.code, upserts)


# -- the two steps ---------------------------------------------------------------------

def _plan(kind: ImportKind, data: bytes, filename: str, *, lock: bool,
          reference: str = "") -> tuple[ImportPreview, Writer]:
    kind = ImportKind(kind)
    table = read_table(data, COLUMNS[kind], REQUIRED[kind], READ_ONLY[kind], MAX_ROWS)
    preview = ImportPreview(kind, filename, errors=table.problems)
    columns, rows = table.columns, table.rows
    if kind == ImportKind.PRODUCTS:
        writer = _plan_products(columns, rows, preview, lock)
    elif kind == ImportKind.LOCATIONS:
        writer = _plan_locations(columns, rows, preview, lock)
    else:
        writer = plan_stock(columns, rows, preview, lock, filename, reference)
    preview.rows = table.row_count
    preview.errors.sort(key=lambda error: error.line or 0)
    return preview, writer


def preview_import(kind: ImportKind | str, data: bytes, filename: str) -> ImportPreview:
    """Check a whole file against the database and say what applying it would do."""
    return _plan(ImportKind(kind), data, filename, lock=False)[0]


def apply_import(kind: ImportKind | str, data: bytes, filename: str, user,
                 reference: str = "") -> ImportPreview:
    """Check the file again and write all of it in one transaction, or nothing.

    Raises ImportRejected (with every error) when a line is wrong now, StockError
    when stock changed during the import; records an audit event on success.
    """
    try:
        with transaction():
            preview, write = _plan(ImportKind(kind), data, filename, lock=True,
                                   reference=reference)
            if preview.errors:
                raise ImportRejected(preview)
            write(user)
            record_audit(user, f"{preview.kind}.imported", None, filename=filename,
                         rows=preview.rows, created=preview.created,
                         updated=preview.updated, unchanged=preview.unchanged)
    except peewee.IntegrityError as error:  # a concurrent writer created the same record
        raise StockError(str(_l("The data changed while the import ran; nothing was "
                                "changed. Please upload the file again."))) from error
    if preview.kind == ImportKind.LOCATIONS:
        forget_locations()
    return preview


# -- exports ---------------------------------------------------------------------------

EXPORT_COLUMNS = {**COLUMNS, ImportKind.STOCK: ("sku", "name", "location", "on_hand",
                                                "reserved", "safety_stock", "available",
                                                "bin")}
EXPORT_BATCH = 2_000


def _keyset(query, key_field) -> Iterator[tuple]:
    """Rows of ``query`` (its first column is ``key_field``) in batches by key, so a
    big table streams without a long-open cursor or all rows in memory."""
    last = None
    while True:
        select = query.order_by(key_field).limit(EXPORT_BATCH)
        if last is not None:
            select = select.where(key_field > last)
        rows = list(select.tuples())
        yield from rows
        if len(rows) < EXPORT_BATCH:
            return
        last = rows[-1][0]


def export_rows(kind: ImportKind | str, location: Location | None = None) -> Iterator[tuple]:
    """The rows of an export, in the order of ``EXPORT_COLUMNS[kind]``; stock levels
    of one location only when ``location`` is given."""
    kind = ImportKind(kind)
    if kind == ImportKind.LOCATIONS:
        fields = [Location._meta.fields[c] for c in COLUMNS[kind]]
        yield from _keyset(Location.select(*fields), Location.code)
        return
    if kind == ImportKind.PRODUCTS:
        fields = [Product._meta.fields[c] for c in COLUMNS[kind]]
        price = COLUMNS[kind].index("price")
        for row in _keyset(Product.select(*fields), Product.sku):
            # SQLite gives 1234.5 back for 1234.50; a price always shows its cents
            yield *row[:price], row[price].quantize(CENT), *row[price + 1:]
        return
    query = (StockLevel.select(StockLevel.id, Product.sku, Product.name, Location.code,
                               StockLevel.on_hand, StockLevel.reserved,
                               StockLevel.safety_stock, StockLevel.bin)
             .join(Product).switch(StockLevel).join(Location))
    if location is not None:
        query = query.where(StockLevel.location == location)
    for _id, sku, name, code, on_hand, reserved, safety, bin_ in _keyset(query, StockLevel.id):
        yield (sku, name, code, on_hand, reserved, safety,
               max(on_hand - reserved - safety, 0), bin_)
