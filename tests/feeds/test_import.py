"""Feed imports from a drop folder: good files, bad lines, wrong encoding, re-runs, full
snapshots, JSON, incoming deliveries and the scheduled ``import_all``."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from portal.db import is_sqlite, utcnow
from portal.feeds.importer import FeedsFailed, import_all, import_feed
from portal.feeds.models import SupplierFeed
from portal.inventory import services as stock
from portal.inventory.ledger import check_levels
from portal.inventory.models import IncomingStock, Product, StockMovement
from portal.jobs.context import JobContext
from tests.feeds.conftest import levels_at, make_feed, opening_stock


def feed_movements():
    return list(StockMovement.select().where(StockMovement.kind == "feed_sync")
                .order_by(StockMovement.id))


def write(drop_dir, text: str, name: str = "stock.csv", encoding: str = "utf-8"):
    path = drop_dir / "nordwest" / name
    path.write_bytes(text.encode(encoding))
    return path


def test_a_good_file_sets_the_stock_with_one_ledger_row_per_changed_level(supplier, drop_dir):
    location = supplier.location
    opening_stock(location, {"A-1": (5, 0), "A-2": (7, 2), "A-4": (3, 0)})
    write(drop_dir, "Artikel;Name;Bestand\nA-1;Jacke;5\nA-2;Hose;9\n\nA-3;Mütze;4\n"
                    "ZZ-9;Fremd;3\nA-5;Null;0\n")
    opening_stock(location, {})  # A-5 exists as a product without stock here
    Product.get_or_create(sku="A-5", defaults={"name": "A-5", "price": 1})
    ctx = JobContext()

    result = import_feed(make_feed(supplier), ctx)

    assert result.status == "ok", result.problems
    assert (result.rows, result.changed, result.created, result.unknown) == (5, 2, 1, 1)
    assert result.missing == 1  # A-4 keeps its 3 units
    assert levels_at(location) == {"A-1": 5, "A-2": 9, "A-3": 4, "A-4": 3}
    assert [(m.product.sku, m.on_hand_delta, m.reference) for m in feed_movements()] == [
        ("A-2", 2, f"FEED-{result.feed_id}"), ("A-3", 4, f"FEED-{result.feed_id}")]
    assert check_levels() == []
    assert (ctx.rows_read, ctx.rows_changed, ctx.errors) == (5, 2, [])
    feed = SupplierFeed.get_by_id(result.feed_id)
    assert feed.last_status == "ok" and feed.last_success_at is not None
    assert not feed.is_stale() and feed.report["unknown_sample"] == [{"line": 6, "sku": "ZZ-9"}]


def test_bad_lines_change_nothing_and_every_one_is_reported_with_its_number(supplier, drop_dir):
    location = supplier.location
    opening_stock(location, {"A-1": (5, 0), "A-2": (7, 4)})
    write(drop_dir, "Artikel;Bestand\n"
                    "A-1;6\n"          # 2: fine
                    ";3\n"             # 3: no SKU
                    "A-3;viele\n"      # 4: not a number
                    "A-4;-2\n"         # 5: negative
                    "A-2;3\n"          # 6: below the 4 reserved units
                    "A-1;7\n"          # 7: A-1 again
                    "A-3;2000000\n"    # 8: too many
                    "A-3\n")           # 9: a value short
    ctx = JobContext()
    before = StockMovement.select().count()

    result = import_feed(make_feed(supplier), ctx)

    assert result.status == "failed"
    assert sorted(p["line"] for p in result.problems if p["line"]) == [3, 4, 5, 6, 7, 8, 9]
    assert levels_at(location) == {"A-1": 5, "A-2": 7}
    assert StockMovement.select().count() == before and check_levels() == []
    assert {e["line"] for e in ctx.errors} >= {3, 4, 5, 6, 7, 8, 9}
    feed = SupplierFeed.get_by_id(result.feed_id)
    assert feed.last_status == "failed" and feed.last_success_at is None
    assert feed.last_error and len(feed.report["errors"]) == result.errors
    assert "first on line 2" in next(p["message"] for p in result.problems if p["line"] == 7)


def test_a_file_in_another_encoding_is_refused_naming_the_lines(supplier, drop_dir):
    opening_stock(supplier.location, {"A-1": (5, 0)})
    write(drop_dir, "Artikel;Name;Bestand\nA-1;Jacke;6\nA-2;Größe M;4\nA-3;Hose;1\n",
          encoding="cp1252")

    result = import_feed(make_feed(supplier, encoding="utf-8"))

    assert result.status == "failed"
    assert [p["line"] for p in result.problems if p["line"]] == [3]
    assert "UTF-8" in result.problems[0]["message"]
    assert levels_at(supplier.location) == {"A-1": 5}

    again = import_feed(make_feed(supplier, location=_other_location(), name="cp1252",
                                  encoding="windows-1252"))
    assert again.status == "ok" and again.changed == 3


def _other_location():
    from tests.conftest import make_store

    return make_store("PART-1", "Partner Lager", 50.0, 8.0, kind="partner")


def test_running_the_same_file_again_changes_nothing(supplier, drop_dir):
    opening_stock(supplier.location, {"A-1": (5, 0)})
    path = write(drop_dir, "Artikel;Bestand\nA-1;8\nA-2;3\n")
    feed = make_feed(supplier)
    assert import_feed(feed).changed == 2
    movements, levels = len(feed_movements()), levels_at(supplier.location)

    same = import_feed(feed)
    path.write_text("Artikel;Bestand\nA-2;3\nA-1;8\n")  # other bytes, same stock
    reordered = import_feed(feed)

    assert same.status == "unchanged" and same.changed == 0
    assert reordered.status == "ok" and reordered.changed == 0
    assert len(feed_movements()) == movements and levels_at(supplier.location) == levels
    assert check_levels() == []


def test_a_full_snapshot_sets_articles_left_out_to_zero_unless_reserved(supplier, drop_dir):
    location = supplier.location
    opening_stock(location, {"A-1": (5, 0), "A-2": (7, 0), "A-4": (2, 2)})
    write(drop_dir, "Artikel;Bestand\nA-1;5\nA-4;2\n")
    feed = make_feed(supplier, full_snapshot=True)

    assert import_feed(feed).changed == 1
    assert levels_at(location) == {"A-1": 5, "A-2": 0, "A-4": 2}

    write(drop_dir, "Artikel;Bestand\nA-1;5\n", name="stock2.csv")
    refused = import_feed(feed)
    assert refused.status == "failed"
    assert any("A-4" in p["message"] and p["line"] is None for p in refused.problems)
    assert levels_at(location) == {"A-1": 5, "A-2": 0, "A-4": 2} and check_levels() == []


def test_json_records_under_a_key(supplier, drop_dir):
    opening_stock(supplier.location, {"A-1": (5, 0)})
    records = [{"sku": "A-1", "stock": 2}, {"sku": "A-2", "stock": "4"},
               {"sku": "A-3", "stock": 1.5}, ["not", "an", "object"]]
    write(drop_dir, json.dumps({"generated": "today", "items": records}), name="stock.json")
    feed = make_feed(supplier, format="json", filename_pattern="*.json",
                     mapping={"sku": "sku", "quantity": "stock", "records": "items"})

    failed = import_feed(feed)
    assert sorted(p["line"] for p in failed.problems if p["line"]) == [3, 4]

    write(drop_dir, json.dumps({"items": records[:2]}), name="stock2.json")
    result = import_feed(feed)
    assert result.status == "ok" and levels_at(supplier.location) == {"A-1": 2, "A-2": 4}


def test_incoming_columns_keep_the_feeds_own_deliveries(supplier, drop_dir):
    opening_stock(supplier.location, {"A-1": (5, 0)})
    soon = date.today() + timedelta(days=5)
    write(drop_dir, f"sku;qty;inc;eta\nA-1;5;20;{soon.isoformat()}\n"
                    f"A-2;0;10;{soon.strftime('%d.%m.%Y')}\nA-3;1;;\n")
    mapping = {"sku": "sku", "quantity": "qty", "incoming_quantity": "inc",
               "incoming_date": "eta"}
    feed = make_feed(supplier, mapping=mapping)

    first = import_feed(feed)
    write(drop_dir, f"sku;qty;inc;eta\nA-1;5;25;{soon.isoformat()}\nA-2;0;;\nA-3;1;;\n",
          name="later.csv")
    second = import_feed(feed)

    assert first.status == second.status == "ok", second.problems
    mine = IncomingStock.select().where(IncomingStock.reference == f"FEED-{feed.id}")
    open_rows = {(i.product.sku, i.quantity, i.expected_on, i.status) for i in mine}
    assert open_rows == {("A-1", 25, soon, "open"), ("A-2", 10, soon, "cancelled")}


def test_import_all_runs_the_due_feeds_and_one_failure_stops_no_other(supplier, drop_dir):
    opening_stock(supplier.location, {})
    write(drop_dir, "Artikel;Bestand\nA-1;4\n")
    good = make_feed(supplier)
    broken = make_feed(supplier, name="Broken", location=_other_location(), folder="nowhere")
    done = make_feed(supplier, name="Recent", location=_third_location(),
                     last_run_at=utcnow() - timedelta(minutes=5))
    ctx = JobContext()

    with pytest.raises(FeedsFailed) as failed:  # after every due feed ran
        import_all(ctx)

    results = failed.value.results
    assert [r.feed_id for r in results] == [good.id, broken.id]
    assert [r.status for r in results] == ["ok", "failed"]
    assert [name for name, _message in failed.value.failed] == ["Broken"]
    assert "1 of 2 feeds failed" in str(failed.value)
    assert ctx.rows_changed == 1 and ctx.errors[0]["message"].startswith("Broken: ")
    assert levels_at(supplier.location) == {"A-1": 4}  # the good feed stays imported
    assert SupplierFeed.get_by_id(done.id).last_status == ""
    assert import_all(JobContext()) == []  # nothing due any more: nothing failed


def _third_location():
    from tests.conftest import make_store

    return make_store("MKT", "Marktplatz", 52.5, 13.4, kind="marketplace")


def test_a_level_that_moves_between_the_read_and_the_write_gets_the_right_delta(
        supplier, drop_dir, monkeypatch):
    """An order's write after the file was read and staged: the import writes the file's
    figure, and the ledger row's delta is taken from the level as the order left it."""
    from portal.feeds import staging

    opening_stock(supplier.location, {"A-1": (5, 0), "A-2": (1, 0)})
    write(drop_dir, "Artikel;Bestand\nA-1;8\nA-2;2\n")
    product, original = Product.get(Product.sku == "A-1"), staging.resolve

    def meddle(*args):
        original(*args)
        stock.receive_stock(product, supplier.location, 1)

    monkeypatch.setattr(staging, "resolve", meddle)
    result = import_feed(make_feed(supplier))

    assert result.status == "ok" and result.changed == 2
    assert levels_at(supplier.location) == {"A-1": 8, "A-2": 2} and check_levels() == []
    assert [(m.product.sku, m.on_hand_delta) for m in feed_movements()] == [("A-1", 2),
                                                                           ("A-2", 1)]


def test_a_reservation_between_the_read_and_the_write_refuses_the_line(
        supplier, drop_dir, monkeypatch):
    """Units reserved after the file was read, more than the file's quantity: the write
    refuses that level, the stock check then names the line, and nothing is written."""
    from portal.feeds import staging

    opening_stock(supplier.location, {"A-1": (5, 0), "A-2": (1, 0)})
    write(drop_dir, "Artikel;Bestand\nA-1;3\nA-2;2\n")
    product, original = Product.get(Product.sku == "A-1"), staging.resolve

    def meddle(*args):
        original(*args)
        stock.reserve_stock(product, supplier.location, 4, "ORDER-1")

    monkeypatch.setattr(staging, "resolve", meddle)
    result = import_feed(make_feed(supplier))

    assert result.status == "failed"
    assert [p["line"] for p in result.problems if p["line"]] == [2]
    assert "4 units of A-1 are reserved" in result.problems[0]["message"]
    assert levels_at(supplier.location) == {"A-1": 5, "A-2": 1}
    assert feed_movements() == [] and check_levels() == []


def test_stock_that_moved_during_the_write_makes_it_try_again(supplier, drop_dir,
                                                              monkeypatch, caplog):
    """A try whose writes do not add up (stock moved, no line refused) rolls back and the
    next try writes everything once."""
    from portal.feeds import apply

    opening_stock(supplier.location, {"A-1": (5, 0), "A-2": (1, 0)})
    write(drop_dir, "Artikel;Bestand\nA-1;3\nA-2;2\nA-3;4\n")
    name = "_write_sqlite" if is_sqlite() else "_write_postgresql"
    original, calls = getattr(apply, name), []

    def moved(*args):
        calls.append(original(*args))
        if len(calls) == 1:
            raise apply.StockMoved("a level moved")
        return calls[-1]

    monkeypatch.setattr(apply, name, moved)
    result = import_feed(make_feed(supplier))

    assert result.status == "ok" and result.changed == 3 and len(calls) == 2
    assert "try 1 failed" in caplog.text
    assert levels_at(supplier.location) == {"A-1": 3, "A-2": 2, "A-3": 4}
    assert len(feed_movements()) == 3 and check_levels() == []


def test_a_sku_twice_that_is_new_here_is_found_by_the_database(supplier, drop_dir):
    opening_stock(supplier.location, {"A-1": (5, 1)})
    write(drop_dir, "Artikel;Bestand\nA-3;1\nA-1;0\nA-3;2\n")

    result = import_feed(make_feed(supplier))

    assert result.status == "failed"
    assert [p["line"] for p in result.problems if p["line"]] == [3, 4]
    assert "first on line 2" in result.problems[1]["message"]
