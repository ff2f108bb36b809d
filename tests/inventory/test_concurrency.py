"""Real threads against the real database (SQLite file or PostgreSQL): the ledger and
the levels stay equal and nothing is oversold."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from portal.db import db
from portal.inventory import services
from portal.inventory.errors import InsufficientStock
from portal.inventory.ledger import check_levels
from portal.inventory.models import StockLevel, StockMovement

THREADS = 20


def run_in_threads(app, work, count: int) -> list:
    """Run ``work(i)`` in ``count`` threads started together; return results or errors."""
    barrier = threading.Barrier(count)

    def task(i):
        with app.app_context():
            barrier.wait()
            try:
                return work(i)
            except Exception as error:  # noqa: BLE001 - the test inspects it
                return error
            finally:
                db.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(task, range(count)))


def test_concurrent_receive_and_adjust_keep_ledger_and_levels_equal(app, product, stores):
    services.receive_stock(product, stores["BER"], 100)
    db.close()

    def work(i):
        for step in range(5):
            if (i + step) % 2:
                services.receive_stock(product, stores["BER"], 3, reference=f"T{i}")
            else:
                services.adjust_stock(product, stores["BER"], -2, "correction")

    results = run_in_threads(app, work, THREADS)

    assert [r for r in results if isinstance(r, Exception)] == []
    receipts = sum(1 for i in range(THREADS) for s in range(5) if (i + s) % 2)
    adjustments = THREADS * 5 - receipts
    on_hand = StockLevel.get().on_hand
    assert on_hand == 100 + 3 * receipts - 2 * adjustments
    assert StockMovement.select().count() == 1 + THREADS * 5
    assert check_levels() == []


def test_the_last_items_are_reserved_exactly_once(app, product, stores):
    services.receive_stock(product, stores["BER"], 7)
    db.close()

    results = run_in_threads(
        app, lambda i: services.reserve_stock(product, stores["BER"], 1, f"OMS-{i}"), THREADS)

    won = [r for r in results if r is None]
    lost = [r for r in results if isinstance(r, InsufficientStock)]
    assert (len(won), len(lost)) == (7, THREADS - 7)
    stock = StockLevel.get()
    assert (stock.on_hand, stock.reserved, stock.available) == (7, 7, 0)
    assert check_levels() == []


def test_opposite_moves_do_not_deadlock(app, product, stores):
    services.receive_stock(product, stores["BER"], 50)
    services.receive_stock(product, stores["HAM"], 50)
    db.close()

    def work(i):
        source, target = (stores["BER"], stores["HAM"]) if i % 2 else (stores["HAM"],
                                                                         stores["BER"])
        for _ in range(3):
            services.move_stock(product, source, target, 2)

    results = run_in_threads(app, work, THREADS)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert sum(lvl.on_hand for lvl in StockLevel.select()) == 100
    assert check_levels() == []
