"""An order writing a level while an import waits for it (real threads, the test
database): the import applies the file's figure and its ledger row's delta is counted
from the level as the order left it."""

from __future__ import annotations

import threading
import time

from portal.db import db, is_sqlite, transaction
from portal.feeds.importer import import_feed
from portal.inventory import services
from portal.inventory.ledger import check_levels
from portal.inventory.models import Product, StockMovement
from tests.feeds.conftest import levels_at, make_feed, opening_stock


def _waiting_for_a_lock() -> bool:
    """PostgreSQL: a session of this database waits for a lock (the import, for the
    order's row)."""
    return bool(db.execute_sql("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = "
                               "current_database() AND wait_event_type = 'Lock'")
                .fetchone()[0])


def test_an_import_waits_for_an_order_and_books_the_difference_from_its_figure(
        app, supplier, drop_dir):
    location = supplier.location
    opening_stock(location, {"A-1": (5, 0), "A-2": (1, 0)})
    (drop_dir / "nordwest" / "stock.csv").write_text("Artikel;Bestand\nA-1;8\nA-2;2\n")
    feed, product = make_feed(supplier), Product.get(Product.sku == "A-1")
    db.close()
    holding, release, results = threading.Event(), threading.Event(), []

    def order():  # receives one unit and keeps its transaction open until released
        with app.app_context():
            try:
                with transaction():
                    services.receive_stock(product, location, 1, reference="ORDER-9")
                    holding.set()
                    release.wait(20)
            finally:
                db.close()

    def run_import():
        with app.app_context():
            try:
                results.append(import_feed(feed))
            finally:
                db.close()

    threads = [threading.Thread(target=order), threading.Thread(target=run_import)]
    threads[0].start()
    assert holding.wait(20)
    threads[1].start()
    deadline = time.monotonic() + 20
    if is_sqlite():
        time.sleep(1.0)  # the import reads, stages, then waits for the write lock
    else:
        while not _waiting_for_a_lock() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_for_a_lock(), "the import never waited for the order's row"
    release.set()
    for thread in threads:
        thread.join(30)

    assert results and results[0].status == "ok", results and results[0].problems
    assert levels_at(location) == {"A-1": 8, "A-2": 2} and check_levels() == []
    feed_rows = (StockMovement.select(Product.sku, StockMovement.on_hand_delta).join(Product)
                 .where(StockMovement.kind == "feed_sync").order_by(Product.sku).tuples())
    assert list(feed_rows) == [("A-1", 2), ("A-2", 1)]  # 5 + 1 (order) + 2 = 8
