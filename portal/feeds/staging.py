"""The staging tables of one import and the checks that need the database.

``KnownStock`` reads the location's on hand by SKU before the file is parsed; rows that
would change nothing are not staged, a SKU twice is caught, and at the end it knows the
rows the file leaves out (a full snapshot stages them with quantity 0 and line 0). The
rest go into a temporary table (``feed_stage``: line, SKU, quantity and the optional
incoming columns) with one ``executemany`` on SQLite and ``COPY`` on PostgreSQL,
straight from the parser's stream. ``resolve`` joins it with ``product`` into
``feed_rows`` (keyed by product id, so a SKU twice fails the insert and only then is
looked for line by line); SKUs not in the catalogue are skipped and counted. The checks
(``check_reserved``, ``check_incoming``) join ``feed_rows`` with the live rows: quantities
below what is reserved, incoming quantities below what was promised. Temporary tables
live in this connection only and are dropped by ``drop``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import peewee
from flask_babel import lazy_gettext as _l

from portal.db import db, is_sqlite

STAGE, ROWS = "feed_stage", "feed_rows"
SAMPLE = 20  # SKUs not in the catalogue named in the report
FETCH = 50_000  # rows per fetch of the known stock


def sql(text: str) -> str:
    """``text`` with ``?`` placeholders in the driver's style."""
    return text if is_sqlite() else text.replace("?", db.param)


def execute(text: str, params: tuple = ()):
    return db.execute_sql(sql(text), params)


def drop() -> None:
    """Drop this connection's staging tables (if any)."""
    for table in (ROWS, STAGE):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")


def create(with_incoming: bool) -> None:
    """Fresh, empty staging tables for one import."""
    drop()
    extra = ", incoming_quantity INTEGER, incoming_on DATE" if with_incoming else ""
    db.execute_sql(f"CREATE TEMP TABLE {STAGE} (line INTEGER NOT NULL, sku TEXT NOT NULL, "
                   f"quantity INTEGER NOT NULL{extra})")
    db.execute_sql(f"CREATE TEMP TABLE {ROWS} (product_id INTEGER PRIMARY KEY, "
                   f"line INTEGER NOT NULL, quantity INTEGER NOT NULL{extra})")


def stage(rows: Iterable[tuple], with_incoming: bool) -> None:
    """Write the parsed rows into ``feed_stage`` as they stream in."""
    columns = "line, sku, quantity" + (", incoming_quantity, incoming_on"
                                       if with_incoming else "")
    cursor = db.cursor()
    with peewee.__exception_wrapper__:
        if is_sqlite():
            marks = ", ".join("?" * (5 if with_incoming else 3))
            cursor.executemany(f"INSERT INTO {STAGE} ({columns}) VALUES ({marks})",  # noqa: S608
                               rows)
            return
        with cursor.copy(f"COPY {STAGE} ({columns}) FROM STDIN") as copy:
            write = copy.write_row
            for row in rows:
                write(row)


@dataclass
class Checked:
    """What the checks found: rows with a known SKU, SKUs not known (a sample with lines),
    and bad lines as (line, message)."""

    resolved: int = 0
    unknown: int = 0
    unknown_sample: list[dict] = field(default_factory=list)
    bad: list[tuple[int | None, str]] = field(default_factory=list)


def resolve(staged: int, with_incoming: bool, checked: Checked) -> None:
    """Fill ``feed_rows`` from the stage rows whose SKU is a product; a SKU twice makes
    the insert fail, and then every repeated line is named."""
    extra = ", s.incoming_quantity, s.incoming_on" if with_incoming else ""
    if not is_sqlite():  # its size decides between a hash join and index probes
        db.execute_sql(f"ANALYZE {STAGE}")
    insert = (f"INSERT INTO {ROWS} SELECT p.id, s.line, s.quantity{extra} "  # noqa: S608
              f"FROM {STAGE} s JOIN product p ON p.sku = s.sku")
    try:
        with db.atomic():
            checked.resolved = db.execute_sql(insert).rowcount
    except peewee.IntegrityError:
        _repeated(checked)  # then the first of each, so the other checks can run
        checked.resolved = db.execute_sql(f"{insert} ORDER BY s.line "
                                          f"ON CONFLICT (product_id) DO NOTHING").rowcount
    checked.unknown = staged - checked.resolved
    if checked.unknown:
        for line, sku in execute(
                f"SELECT s.line, s.sku FROM {STAGE} s WHERE NOT EXISTS "  # noqa: S608
                f"(SELECT 1 FROM product p WHERE p.sku = s.sku) ORDER BY s.line LIMIT {SAMPLE}"):
            checked.unknown_sample.append({"line": line, "sku": sku})
    # Its size makes the planners probe the location's levels per row instead of
    # scanning them all (SQLite would otherwise scan every location's levels).
    db.execute_sql(f"ANALYZE {ROWS}")


def count_rows() -> int:
    """How many rows ``feed_rows`` holds."""
    return db.execute_sql(f"SELECT COUNT(*) FROM {ROWS}").fetchone()[0]  # noqa: S608


def unknown_skus(limit: int) -> list[str]:
    """Up to ``limit`` staged SKUs the catalogue does not have."""
    return [sku for (sku,) in execute(
        f"SELECT s.sku FROM {STAGE} s WHERE NOT EXISTS "  # noqa: S608
        f"(SELECT 1 FROM product p WHERE p.sku = s.sku) LIMIT {int(limit)}")]


def with_stock(location_id: int, skus: list[str]) -> list[str]:
    """Those of ``skus`` that have units on hand at the location."""
    found = []
    for start in range(0, len(skus), 500):
        chunk = skus[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        found += [sku for (sku,) in execute(
            f"SELECT p.sku FROM product p JOIN stock_level l ON l.product_id = p.id "  # noqa: S608
            f"AND l.location_id = ? WHERE l.on_hand > 0 AND p.sku IN ({marks})",
            (location_id, *chunk))]
    return sorted(found)


def _repeated(checked: Checked) -> None:
    query = (f"SELECT s.line, s.sku, d.first FROM {STAGE} s JOIN ("  # noqa: S608
             f"SELECT t.sku, MIN(t.line) AS first FROM {STAGE} t GROUP BY t.sku "
             f"HAVING COUNT(*) > 1) d ON d.sku = s.sku "
             f"WHERE s.line > d.first AND EXISTS (SELECT 1 FROM product p WHERE p.sku = s.sku) "
             f"ORDER BY s.line")
    for line, sku, first in execute(query):
        checked.bad.append((line, str(_l("SKU %(sku)s appears again (first on line "
                                         "%(line)s).", sku=sku, line=first))))


class KnownStock:
    """The location's stock by SKU, read once before the file: rows that would not change
    on hand are not staged (``skip_unchanged``; not with incoming columns, which may
    change alone), a SKU seen twice is a bad line, and what the file leaves out is known
    at the end. Each seen SKU's entry becomes minus its line number (lines are >= 1,
    stock >= 0), so no second set is kept. Memory grows with the location, not the file.
    ``new`` counts the staged rows whose SKU had no level here (new levels, or SKUs the
    catalogue lacks). A row unchanged when read but changed by an order before the apply
    keeps its value."""

    def __init__(self, location_id: int, skip_unchanged: bool, bad):
        cursor = execute("SELECT p.sku, l.on_hand FROM stock_level l JOIN product p "
                         "ON p.id = l.product_id WHERE l.location_id = ?", (location_id,))
        self.levels: dict[str, int] = {}
        while chunk := cursor.fetchmany(FETCH):  # far faster than a row at a time
            self.levels.update(chunk)
        self.skip_unchanged, self.bad = skip_unchanged, bad
        self.staged = self.new = 0

    def filter(self, rows: Iterable[tuple]):
        """The rows to stage, in file order."""
        levels, get, bad = self.levels, self.levels.get, self.bad
        skip, staged, new = self.skip_unchanged, 0, 0
        try:
            for row in rows:
                sku = row[1]
                held = get(sku)
                if held is None:
                    new += 1
                elif held < 0:
                    bad(row[0], str(_l("SKU %(sku)s appears again (first on line "
                                       "%(line)s).", sku=sku, line=-held)))
                    continue
                else:
                    levels[sku] = -row[0]
                    if skip and held == row[2]:
                        continue
                staged += 1
                yield row
        finally:
            self.staged, self.new = staged, new

    def left_out(self) -> list[str]:
        """SKUs with stock here (on hand > 0) that the file does not list."""
        return [sku for sku, held in self.levels.items() if held > 0]


class BadLines(Exception):
    """Lines the database refuses (``Checked.bad``); the transaction rolls back."""

    def __init__(self, bad: list[tuple[int | None, str]]):
        super().__init__(f"{len(bad)} bad lines")
        self.bad = bad


def check_reserved(location_id: int, checked: Checked) -> None:
    """Rows that would set on hand below the units reserved here (line 0: a row a full
    snapshot leaves out, which would go to 0)."""
    for line, sku, quantity, reserved in execute(
            f"SELECT r.line, p.sku, r.quantity, l.reserved FROM {ROWS} r "  # noqa: S608
            f"JOIN stock_level l ON l.product_id = r.product_id AND l.location_id = ? "
            f"JOIN product p ON p.id = r.product_id WHERE l.reserved > r.quantity "
            f"ORDER BY r.line, p.sku", (location_id,)):
        if line:
            checked.bad.append((line, str(_l(
                "%(reserved)s units of %(sku)s are reserved for orders here; on hand cannot "
                "be set to %(quantity)s.", reserved=reserved, sku=sku, quantity=quantity))))
        else:
            checked.bad.append((None, str(_l(
                "%(sku)s is not in the file, but %(reserved)s units of it are reserved for "
                "orders here, so it cannot go to 0.", sku=sku, reserved=reserved))))


def check_incoming(location_id: int, reference: str, checked: Checked) -> None:
    """Lines whose incoming quantity (none: 0) is below what orders were promised from the
    feed's open delivery of that product."""
    query = (f"SELECT r.line, p.sku, COALESCE(r.incoming_quantity, 0), i.promised "  # noqa: S608
             f"FROM incoming_stock i JOIN {ROWS} r ON r.product_id = i.product_id "
             f"JOIN product p ON p.id = i.product_id WHERE i.location_id = ? "
             f"AND i.reference = ? AND i.status = 'open' "
             f"AND i.promised > COALESCE(r.incoming_quantity, 0) ORDER BY r.line")
    for line, sku, quantity, promised in execute(query, (location_id, reference)):
        checked.bad.append((line, str(_l(
            "%(promised)s incoming units of %(sku)s are promised to orders; the incoming "
            "quantity cannot be %(quantity)s.", promised=promised, sku=sku,
            quantity=quantity))))
