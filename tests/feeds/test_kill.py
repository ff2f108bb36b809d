"""SIGKILL during a 100,000-row import (in a subprocess on the test database): afterwards
the stock is entirely old or entirely new, and the ledger check is clean."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from portal import bulk
from portal.db import db, transaction, utcnow
from portal.feeds.importer import import_feed
from portal.inventory.ledger import check_levels
from portal.inventory.models import Product, StockLevel, StockMovement
from portal.inventory.status import MovementKind
from tests.feeds.conftest import make_feed

ROWS, HELD = 100_000, 50_000
ROOT = Path(__file__).resolve().parents[2]

# The child imports the feed; a patch prints a marker at the chosen point and waits there
# to be killed: after staging (before the transaction), or inside the transaction after
# the changed levels were written (with their ledger rows on PostgreSQL; SQLite writes the
# ledger rows first) and before the new levels.
CHILD = textwrap.dedent("""
    import sys, time
    from config import TestConfig
    from portal import create_app
    from portal.feeds import apply, importer, staging

    url, drop, feed_id, point = sys.argv[1:5]

    def pause(marker, then):
        def wrapper(*args, **kwargs):
            if marker is not None:
                print(marker, flush=True)
                time.sleep(120)
            return then(*args, **kwargs)
        return wrapper

    if point == "staged":
        original = staging.resolve
        def resolved(*args, **kwargs):
            original(*args, **kwargs)
            pause("STAGED", lambda: None)()
        staging.resolve = resolved
    elif point == "apply":
        original_execute = apply.execute
        def execute(sql, params=()):
            if "INSERT INTO stock_level" in sql:
                return pause("APPLYING", original_execute)(sql, params)
            return original_execute(sql, params)
        apply.execute = execute
    app = create_app(TestConfig, DATABASE_URL=url, FEED_DROP_DIR=drop)
    with app.app_context():
        from portal.feeds.models import SupplierFeed
        result = importer.import_feed(SupplierFeed.get_by_id(int(feed_id)))
        print("DONE", result.status, result.changed, flush=True)
""")


@pytest.fixture
def big_feed(supplier, drop_dir):
    """100,000 products, half of them in stock at the supplier (with opening ledger rows),
    and a file that changes every one."""
    now, location = utcnow(), supplier.location
    with transaction():  # one commit, not one per row
        bulk.insert(Product, [{"sku": f"K-{n:06d}", "name": f"Artikel {n}",
                               "price": Decimal("1.00")} for n in range(ROWS)])
        ids = [pid for (pid,) in Product.select(Product.id).order_by(Product.id).tuples()]
        bulk.insert(StockLevel, [{"product": pid, "location": location.id, "on_hand": 10,
                                  "updated_at": now} for pid in ids[:HELD]])
        bulk.insert(StockMovement, [{"at": now - timedelta(days=1), "product": pid,
                                     "location": location.id,
                                     "kind": MovementKind.OPENING.value, "on_hand_delta": 10}
                                    for pid in ids[:HELD]])
    with (drop_dir / "nordwest" / "big.csv").open("w") as handle:
        handle.write("Artikel;Bestand\n")
        handle.writelines(f"K-{n:06d};{n % 7 + 11}\n" for n in range(ROWS))
    return make_feed(supplier)


def snapshot() -> dict[int, int]:
    return dict(StockLevel.select(StockLevel.product, StockLevel.on_hand).tuples())


def run_child(app, drop_dir, feed, point: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CHILD, app.config["DATABASE_URL"], str(drop_dir), str(feed.id),
         point], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        line = child.stdout.readline().strip()
        if point != "none":
            assert line in ("STAGED", "APPLYING"), child.stderr.read()[-3000:]
            os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()
    return line


@pytest.mark.parametrize("point", ["staged", "apply"])
def test_a_killed_import_leaves_the_old_stock_and_a_clean_ledger(app, drop_dir, big_feed,
                                                                 point):
    before = snapshot()
    db.close()  # the child writes; this process holds no connection meanwhile

    marker = run_child(app, drop_dir, big_feed, point)

    db.connect(reuse_if_open=True)
    assert marker == ("STAGED" if point == "staged" else "APPLYING")
    assert snapshot() == before
    assert StockMovement.select().where(StockMovement.kind == "feed_sync").count() == 0
    assert check_levels() == []
    # The next run (here, in this process) applies the whole file.
    result = import_feed(big_feed)
    assert result.status == "ok" and result.changed == ROWS
    assert check_levels() == []


def test_an_import_that_is_not_killed_leaves_the_new_stock(app, drop_dir, big_feed):
    db.close()

    marker = run_child(app, drop_dir, big_feed, "none")

    db.connect(reuse_if_open=True)
    assert marker.startswith("DONE ok 100000")
    after = snapshot()
    assert len(after) == ROWS and all(on_hand >= 11 for on_hand in after.values())
    assert check_levels() == []
