"""Applying checked feed rows (``feed_rows``: product id, line, quantity) to one location's
stock: set-based, in the caller's transaction, without copying the levels first.

1. Lines the stock refuses (a quantity below the units reserved there, an incoming
   quantity below what was promised) raise ``BadLines`` (``check_rows`` names them),
   which rolls everything back. With incoming columns they are looked for first; else
   the writes below refuse them (``reserved <= new``) and they are looked for only when
   the counts of the writes do not add up (the common case skips a join).
2. The changed levels get the file's quantity and one ``feed_sync`` ledger row each whose
   delta is taken from the level as it is when written; rows whose quantity equals the
   level write nothing. A row that no level has yet becomes a new level (unless its
   quantity is 0) with its ledger row.
   - PostgreSQL, one statement: the changed levels are locked in (product, location)
     order, as every stock writer locks them (a concurrent order cannot deadlock with the
     import, and a level an order changed meanwhile is read as the order left it), then
     updated (only where ``reserved <= new``), and their ledger rows are inserted from
     the UPDATE's RETURNING. Fewer ledger rows than locked levels (a refused line, or an
     order reserved more after the rows were read) raise ``BadLines`` or ``StockMoved``:
     the caller rolls back and reports, or tries again. A second statement inserts the
     new levels and, from its RETURNING, their ledger rows (a level an order created
     meanwhile fails the unique index; tried again); it is skipped when every staged
     row changed a level (then none is new), as most rows of a file compared with the
     previous one do.
   - SQLite: the transaction holds the write lock from its start (``BEGIN IMMEDIATE``),
     so nothing moves between statements: the ledger rows of changed and new levels are
     inserted first (deltas from the current levels), then one UPDATE ... FROM and one
     INSERT ... SELECT write the levels; their counts must add up to the ledger's (a
     refused line makes them differ).
3. With incoming columns: the feed's own open deliveries (reference ``FEED-<id>``) of
   the products in the file are updated, added or cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal.db import is_sqlite, utcnow
from portal.feeds import staging
from portal.feeds.staging import ROWS, BadLines, Checked, execute
from portal.inventory.models import IncomingStock, StockLevel, StockMovement
from portal.inventory.status import IncomingSource, IncomingStatus, MovementKind

LEDGER = ("INSERT INTO stock_movement (at, product_id, location_id, kind, on_hand_delta, "
          "reserved_delta, safety_delta, reason, reference, user_id)")
NEW_LEVELS = ("INSERT INTO stock_level (product_id, location_id, on_hand, reserved, "
              "safety_stock, bin, updated_at)")
# The staged rows that no level of the location has yet (the new levels).
WITHOUT_LEVEL = (f"FROM {ROWS} r WHERE r.quantity <> 0 AND NOT EXISTS (SELECT 1 "  # noqa: S608
                 f"FROM stock_level l WHERE l.product_id = r.product_id AND l.location_id = ?)")


WORK_MEM = "64MB"  # for the writes' sorts and hashes, this transaction only
PROBE_ROWS = 100_000  # up to this many staged rows, levels are probed per row


class StockMoved(Exception):
    """A stock level changed between the checks and the writes; nothing of this try
    stays."""


@dataclass
class Applied:
    changed: int = 0   # levels changed (one ledger row each)
    created: int = 0   # of those, new stock rows
    incoming: int = 0  # incoming deliveries added, changed or cancelled
    at: datetime | None = None  # the time of every ledger row written


def apply_rows(location_id: int, reason: str, reference: str, with_incoming: bool,
               new_levels: bool = True) -> Applied:
    """Check ``feed_rows`` against the location's stock and write the differences (see the
    module docstring). ``new_levels=False``: every staged SKU had a level here when the
    stock was read (levels are not deleted), so the search for rows without one is
    skipped. Call inside ``transaction()``."""
    if with_incoming:  # the delivery writes below skip refused lines: check first
        _refuse(check_rows(location_id, reference, with_incoming))
    now = utcnow()
    stamp = StockLevel.updated_at.db_value(now)
    ledger = (StockMovement.at.db_value(now), location_id, MovementKind.FEED_SYNC.value,
              reason[:200], reference[:80])
    write = _write_sqlite if is_sqlite() else _write_postgresql
    try:
        applied = write(location_id, stamp, ledger, new_levels)
    except StockMoved:  # a level refused its row (below reserved), or an order moved it
        _refuse(check_rows(location_id, reference, with_incoming))
        raise
    applied.at = now
    if with_incoming:
        applied.incoming = _sync_incoming(location_id, reference, now)
    return applied


def _write_postgresql(location_id: int, stamp, ledger: tuple, new_levels: bool) -> Applied:
    # The default 4 MB made the sorts and the hash of the levels spill to disk.
    execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
    staged = staging.count_rows()
    if staged <= PROBE_ROWS:
        # One index probe per staged row beats hashing every level of the location (and,
        # for the UPDATE, of the table), which the planner prefers as it cannot see how
        # few rows the locking CTE returns.
        execute("SET LOCAL enable_hashjoin = off")
        execute("SET LOCAL enable_mergejoin = off")
    applied = _write_postgresql_rows(location_id, stamp, ledger, new_levels, staged)
    execute("RESET enable_hashjoin")  # after a failed write the rollback undoes them
    execute("RESET enable_mergejoin")
    return applied


def _write_postgresql_rows(location_id: int, stamp, ledger: tuple, new_levels: bool,
                           staged: int) -> Applied:
    locked, booked = execute(
        f"WITH locked AS MATERIALIZED (SELECT l.id, l.product_id, l.on_hand, r.quantity "  # noqa: S608
        f"FROM {ROWS} r JOIN stock_level l ON l.product_id = r.product_id "
        f"AND l.location_id = ? WHERE l.on_hand <> r.quantity "
        f"ORDER BY l.product_id, l.location_id FOR UPDATE OF l), "
        f"changed AS (UPDATE stock_level SET on_hand = k.quantity, updated_at = ? "
        f"FROM locked k WHERE stock_level.id = k.id AND stock_level.reserved <= k.quantity "
        f"RETURNING k.product_id, k.quantity - k.on_hand AS delta), "
        f"booked AS ({LEDGER} SELECT ?, product_id, ?, ?, delta, 0, 0, ?, ?, NULL "
        f"FROM changed ORDER BY product_id RETURNING 1) "
        f"SELECT (SELECT COUNT(*) FROM locked), (SELECT COUNT(*) FROM booked)",
        (location_id, stamp, *ledger)).fetchone()
    if booked != locked:
        raise StockMoved(f"{locked - booked} stock levels changed during the import")
    if not new_levels or locked == staged:  # every row changed a level
        return Applied(changed=booked)
    created = execute(
        f"WITH created AS ({NEW_LEVELS} SELECT r.product_id, ?, r.quantity, 0, 0, '', ? "  # noqa: S608
        f"{WITHOUT_LEVEL} ORDER BY r.product_id RETURNING product_id, on_hand) "
        f"{LEDGER} SELECT ?, product_id, ?, ?, on_hand, 0, 0, ?, ?, NULL "
        f"FROM created ORDER BY product_id",
        (location_id, stamp, location_id, *ledger)).rowcount
    return Applied(changed=booked + created, created=created)


def _write_sqlite(location_id: int, stamp, ledger: tuple, new_levels: bool) -> Applied:
    total = execute(
        f"{LEDGER} SELECT ?, r.product_id, ?, ?, r.quantity - COALESCE(l.on_hand, 0), "  # noqa: S608
        f"0, 0, ?, ?, NULL FROM {ROWS} r LEFT JOIN stock_level l "
        f"ON l.product_id = r.product_id AND l.location_id = ? "
        f"WHERE r.quantity <> COALESCE(l.on_hand, 0) ORDER BY r.product_id",
        (*ledger, location_id)).rowcount
    updated = execute(
        f"UPDATE stock_level SET on_hand = r.quantity, updated_at = ? FROM {ROWS} r "  # noqa: S608
        f"WHERE stock_level.product_id = r.product_id AND stock_level.location_id = ? "
        f"AND stock_level.on_hand <> r.quantity AND stock_level.reserved <= r.quantity",
        (stamp, location_id)).rowcount
    created = execute(f"{NEW_LEVELS} SELECT r.product_id, ?, r.quantity, 0, 0, '', ? "
                      f"{WITHOUT_LEVEL} ORDER BY r.product_id",
                      (location_id, stamp, location_id)).rowcount if new_levels else 0
    if updated + created != total:  # a refused line (nothing else moves: the write lock)
        raise StockMoved(f"{total} ledger rows for {updated + created} stock levels")
    return Applied(changed=total, created=created)


def _refuse(bad: list[tuple[int | None, str]]) -> None:
    if bad:
        raise BadLines(bad)


def check_rows(location_id: int, reference: str, with_incoming: bool
               ) -> list[tuple[int | None, str]]:
    """The lines the location's stock refuses (below reserved, below promised); reads
    only."""
    checked = Checked()
    staging.check_reserved(location_id, checked)
    if with_incoming:
        staging.check_incoming(location_id, reference, checked)
    return checked.bad


def _sync_incoming(location_id: int, reference: str, now) -> int:
    """Make the feed's open deliveries of the products in the file match it: update the
    changed ones, cancel those the file no longer lists (none promised), add new ones."""
    open_ = IncomingStatus.OPEN.value
    mine = "incoming_stock.location_id = ? AND incoming_stock.reference = ? " \
           "AND incoming_stock.status = ?"
    changed = execute(
        f"UPDATE incoming_stock SET quantity = r.incoming_quantity, "  # noqa: S608
        f"expected_on = r.incoming_on FROM {ROWS} r WHERE {mine} "
        f"AND incoming_stock.product_id = r.product_id AND r.incoming_quantity IS NOT NULL "
        f"AND r.incoming_quantity >= incoming_stock.promised "
        f"AND (incoming_stock.quantity <> r.incoming_quantity "
        f"OR incoming_stock.expected_on <> r.incoming_on)",
        (location_id, reference, open_)).rowcount
    changed += execute(
        f"UPDATE incoming_stock SET status = ? WHERE {mine} "  # noqa: S608
        f"AND incoming_stock.promised = 0 AND incoming_stock.product_id IN "
        f"(SELECT product_id FROM {ROWS} WHERE incoming_quantity IS NULL)",
        (IncomingStatus.CANCELLED.value, location_id, reference, open_)).rowcount
    changed += execute(
        f"INSERT INTO incoming_stock (product_id, location_id, quantity, expected_on, "  # noqa: S608
        f"source, reference, status, promised, created_at) "
        f"SELECT r.product_id, ?, r.incoming_quantity, r.incoming_on, ?, ?, ?, 0, ? "
        f"FROM {ROWS} r WHERE r.incoming_quantity IS NOT NULL AND NOT EXISTS ("
        f"SELECT 1 FROM incoming_stock i WHERE i.location_id = ? AND i.reference = ? "
        f"AND i.status = ? AND i.product_id = r.product_id)",
        (location_id, IncomingSource.SUPPLIER_ORDER.value, reference, open_,
         IncomingStock.created_at.db_value(now), location_id, reference, open_)).rowcount
    return changed
