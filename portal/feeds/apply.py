"""Applying checked feed rows to one location's stock: set-based, in the caller's
transaction.

1. ``staging.snapshot`` copies the affected levels into ``feed_old``; the checks that
   need them run on that copy (``BadLines`` rolls everything back).
2. ``feed_diff`` = the staged rows whose on hand differs, and the new rows (a full
   snapshot staged the rows it leaves out with quantity 0).
3. PostgreSQL: the changed levels are locked in (product, location) order, as every
   stock writer locks them, so a concurrent order cannot deadlock with the import.
4. One UPDATE ... FROM ``feed_diff``, conditional on the on hand the snapshot read and on
   ``reserved <= new``: a row changed meanwhile makes the count differ and raises
   ``StockMoved`` (the caller rolls back and tries again).
5. One INSERT of the new levels, one INSERT ... SELECT of a ``feed_sync`` ledger row per
   changed level carrying the delta. Unchanged rows write nothing.
6. With incoming columns: the feed's own open deliveries (reference ``FEED-<id>``) of
   the products in the file are updated, added or cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.db import db, is_sqlite, utcnow
from portal.feeds import staging
from portal.feeds.staging import DIFF, OLD, ROWS, BadLines, Checked, execute
from portal.inventory.models import IncomingStock, StockLevel, StockMovement
from portal.inventory.status import IncomingSource, IncomingStatus, MovementKind


class StockMoved(Exception):
    """A stock level changed between reading and writing; nothing of this try stays."""


@dataclass
class Applied:
    changed: int = 0   # levels changed (one ledger row each)
    created: int = 0   # of those, new stock rows
    incoming: int = 0  # incoming deliveries added, changed or cancelled


def apply_rows(location_id: int, reason: str, reference: str, with_incoming: bool,
               scan: bool) -> Applied:
    """Check ``feed_rows`` against the location's stock and write the differences (see the
    module docstring; ``scan``: see ``staging.snapshot``). Call inside ``transaction()``."""
    bad = check_rows(location_id, reference, with_incoming, scan)
    if bad:
        raise BadLines(bad)
    now = utcnow()
    stamp = StockLevel.updated_at.db_value(now)
    db.execute_sql(f"DROP TABLE IF EXISTS {DIFF}")
    db.execute_sql(f"CREATE TEMP TABLE {DIFF} AS "  # noqa: S608 - our own table names
                   f"SELECT r.product_id, o.level_id, o.on_hand AS old_on_hand, "
                   f"r.quantity AS new_on_hand FROM {ROWS} r JOIN {OLD} o "
                   f"ON o.product_id = r.product_id WHERE o.on_hand <> r.quantity")
    db.execute_sql(f"INSERT INTO {DIFF} SELECT r.product_id, NULL, 0, r.quantity "  # noqa: S608
                   f"FROM {ROWS} r WHERE r.quantity <> 0 AND NOT EXISTS "
                   f"(SELECT 1 FROM {OLD} o WHERE o.product_id = r.product_id)")
    existing, total = execute(f"SELECT COUNT(level_id), COUNT(*) FROM {DIFF}"  # noqa: S608
                              ).fetchone()
    applied = Applied(changed=total, created=total - existing)
    if existing:
        if not is_sqlite():
            db.execute_sql(f"ANALYZE {DIFF}")
            db.execute_sql(f"SELECT COUNT(*) FROM (SELECT l.id FROM stock_level l "  # noqa: S608
                           f"JOIN {DIFF} d ON d.level_id = l.id "
                           f"ORDER BY l.product_id, l.location_id FOR UPDATE OF l) locked")
        updated = execute(f"UPDATE stock_level SET on_hand = d.new_on_hand, "  # noqa: S608
                          f"updated_at = ? FROM {DIFF} d WHERE stock_level.id = d.level_id "
                          f"AND stock_level.on_hand = d.old_on_hand "
                          f"AND stock_level.reserved <= d.new_on_hand", (stamp,)).rowcount
        if updated != existing:
            raise StockMoved(f"{existing - updated} stock levels changed during the import")
    if applied.created:
        execute(f"INSERT INTO stock_level (product_id, location_id, on_hand, reserved, "  # noqa: S608
                f"safety_stock, bin, updated_at) SELECT product_id, ?, new_on_hand, 0, 0, '', ? "
                f"FROM {DIFF} WHERE level_id IS NULL ORDER BY product_id", (location_id, stamp))
    if total:
        execute(f"INSERT INTO stock_movement (at, product_id, location_id, kind, "  # noqa: S608
                f"on_hand_delta, reserved_delta, safety_delta, reason, reference, user_id) "
                f"SELECT ?, product_id, ?, ?, new_on_hand - old_on_hand, 0, 0, ?, ?, NULL "
                f"FROM {DIFF} ORDER BY product_id", (StockMovement.at.db_value(now), location_id,
                                 MovementKind.FEED_SYNC.value, reason[:200], reference[:80]))
    if with_incoming:
        applied.incoming = _sync_incoming(location_id, reference, now)
    return applied


def check_rows(location_id: int, reference: str, with_incoming: bool, scan: bool
               ) -> list[tuple[int | None, str]]:
    """The lines the location's stock refuses (below reserved, below promised), from a
    fresh snapshot; writes only temporary tables."""
    staging.snapshot(location_id, scan)
    checked = Checked()
    staging.check_snapshot(checked)
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
