"""Imports compared with the previous file (``portal/feeds/delta.py``): only changed lines
are parsed, yet the stock ends exactly as a comparison of every line with the stock would
leave it — also when orders or clerks moved stock between two files, when SKUs come and
go, and when the catalogue learns a SKU. Files that cannot be compared line by line are
compared with the stock."""

from __future__ import annotations

import json
import os
import random
from datetime import datetime, timedelta

import pytest

from portal.db import utcnow
from portal.feeds.importer import import_feed
from portal.feeds.models import SupplierFeed
from portal.inventory import services as stock
from portal.inventory.ledger import check_levels
from portal.inventory.models import Product, StockMovement
from tests.feeds.conftest import levels_at, make_feed, opening_stock

HEADER = "Artikel;Name;Bestand\n"


def publish(drop_dir, rows: list[tuple[str, int]], name: str) -> None:
    """A new file in the feed's folder, newer than every file before it."""
    folder = drop_dir / "nordwest"
    text = HEADER + "".join(f"{sku};Artikel {sku};{quantity}\n" for sku, quantity in rows)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    newest = max((p.stat().st_mtime_ns for p in folder.iterdir()), default=0)
    os.utime(path, ns=(newest + 1_000_000, newest + 1_000_000))


def age_ledger(hours: int = 5) -> None:
    """Move every ledger row back in time, before the last import started (rows
    within ``delta.MARGIN`` of an import's start count as moved since)."""
    StockMovement.update(at=utcnow() - timedelta(hours=hours)).execute()


def _started_hours_ago(feed, hours: int) -> None:
    feed = SupplierFeed.get_by_id(feed.id)
    info = feed.baseline_info
    info["started_at"] = (utcnow() - timedelta(hours=hours)).isoformat()
    SupplierFeed.update(baseline=json.dumps(info)).where(SupplierFeed.id == feed.id).execute()


def feed_rows() -> int:
    return StockMovement.select().where(StockMovement.kind == "feed_sync").count()


def test_the_next_file_is_compared_with_the_previous_one(supplier, drop_dir):
    location = supplier.location
    opening_stock(location, {"A-1": (5, 0), "A-2": (7, 0)})
    feed = make_feed(supplier)
    publish(drop_dir, [("A-1", 5), ("A-2", 9), ("A-3", 4), ("A-4", 1)], "day1.csv")
    first = import_feed(feed)
    assert (first.status, first.compared_with, first.changed) == ("ok", "stock", 3)
    _started_hours_ago(feed, 3)
    age_ledger()

    publish(drop_dir, [("A-1", 5), ("A-2", 8), ("A-3", 4), ("A-4", 1)], "day2.csv")
    before = feed_rows()
    second = import_feed(feed)

    assert (second.status, second.compared_with) == ("ok", "baseline"), second.problems
    assert (second.rows, second.unchanged, second.changed) == (4, 3, 1)
    assert levels_at(location) == {"A-1": 5, "A-2": 8, "A-3": 4, "A-4": 1}
    assert feed_rows() == before + 1 and check_levels() == []
    assert len(list((drop_dir.parent / "baselines").glob(f"{feed.id}-*.csv"))) == 1


def test_stock_moved_since_the_last_file_is_set_again_like_a_full_comparison(
        supplier, drop_dir, users):
    location = supplier.location
    opening_stock(location, {})
    feed = make_feed(supplier)
    publish(drop_dir, [("A-1", 5), ("A-2", 7), ("A-3", 2)], "day1.csv")
    assert import_feed(feed).changed == 3
    a1 = Product.get(Product.sku == "A-1")
    stock.adjust_stock(a1, location, -2, "damage", user=users["manager"])

    publish(drop_dir, [("A-1", 5), ("A-2", 7), ("A-3", 3)], "day2.csv")  # A-1 line as before
    result = import_feed(feed)

    assert result.compared_with == "baseline" and result.changed == 2
    assert levels_at(location) == {"A-1": 5, "A-2": 7, "A-3": 3} and check_levels() == []


def test_a_sku_twice_across_changed_and_unchanged_lines_is_reported_by_line(supplier,
                                                                            drop_dir):
    opening_stock(supplier.location, {})
    feed = make_feed(supplier)
    publish(drop_dir, [("A-1", 5), ("A-2", 7), ("A-3", 2)], "day1.csv")
    import_feed(feed)
    levels = levels_at(supplier.location)

    publish(drop_dir, [("A-1", 5), ("A-2", 7), ("A-1", 9)], "day2.csv")
    result = import_feed(feed)

    assert result.status == "failed" and result.compared_with == "stock"
    assert [p["line"] for p in result.problems if p["line"]] == [4]
    assert "first on line 2" in result.problems[0]["message"]
    assert levels_at(supplier.location) == levels


def test_a_bad_file_keeps_the_old_baseline(supplier, drop_dir):
    opening_stock(supplier.location, {})
    feed = make_feed(supplier)
    publish(drop_dir, [("A-1", 5), ("A-2", 7)], "day1.csv")
    import_feed(feed)
    baseline = SupplierFeed.get_by_id(feed.id).baseline_info

    (drop_dir / "nordwest" / "day2.csv").write_text(HEADER + "A-1;x;viele\nA-2;y;7\n")
    bad = import_feed(feed)
    assert bad.status == "failed" and bad.compared_with == "baseline"
    assert [p["line"] for p in bad.problems if p["line"]] == [2]
    assert SupplierFeed.get_by_id(feed.id).baseline_info == baseline

    publish(drop_dir, [("A-1", 6), ("A-2", 7)], "day3.csv")
    good = import_feed(feed)
    assert (good.compared_with, good.changed) == ("baseline", 1)
    assert levels_at(supplier.location) == {"A-1": 6, "A-2": 7}


@pytest.mark.parametrize("change", ["quotes", "settings", "file gone", "header"])
def test_files_that_cannot_be_compared_line_by_line_are_compared_with_the_stock(
        supplier, drop_dir, change):
    opening_stock(supplier.location, {})
    feed = make_feed(supplier)
    publish(drop_dir, [("A-1", 5), ("A-2", 7)], "day1.csv")
    import_feed(feed)
    publish(drop_dir, [("A-1", 6), ("A-2", 7)], "day2.csv")
    path = drop_dir / "nordwest" / "day2.csv"
    if change == "quotes":
        path.write_text(HEADER + 'A-1;"Jacke; rot";6\nA-2;Artikel A-2;7\n')
    elif change == "settings":
        SupplierFeed.update(full_snapshot=True).where(SupplierFeed.id == feed.id).execute()
    elif change == "file gone":
        for kept in (drop_dir.parent / "baselines").iterdir():
            kept.unlink()
    else:
        path.write_text("Bestand;Artikel\n6;A-1\n7;A-2\n")

    result = import_feed(feed)

    assert (result.status, result.compared_with, result.changed) == ("ok", "stock", 1)
    assert levels_at(supplier.location) == {"A-1": 6, "A-2": 7}


def test_unknown_skus_are_counted_and_applied_once_the_catalogue_has_them(supplier,
                                                                        drop_dir):
    location = supplier.location
    opening_stock(location, {})
    feed = make_feed(supplier)
    publish(drop_dir, [("A-1", 5), ("NEU-1", 3), ("A-2", 7)], "day1.csv")
    assert import_feed(feed).unknown == 1

    publish(drop_dir, [("A-1", 6), ("NEU-1", 3), ("A-2", 7)], "day2.csv")
    second = import_feed(feed)
    assert (second.compared_with, second.unknown, second.changed) == ("baseline", 1, 1)
    assert second.unknown_sample == [{"line": 3, "sku": "NEU-1"}]

    Product.create(sku="NEU-1", name="Neu", price=1)
    publish(drop_dir, [("A-1", 6), ("NEU-1", 3), ("A-2", 8)], "day3.csv")
    third = import_feed(feed)
    assert (third.compared_with, third.unknown, third.changed) == ("baseline", 0, 2)
    assert levels_at(location) == {"A-1": 6, "A-2": 8, "NEU-1": 3}


def _expected(levels: dict[str, int], rows: list[tuple[str, int]], catalogue: set[str],
              full_snapshot: bool) -> dict[str, int]:
    """What comparing every line with the stock leaves."""
    result = dict(levels)
    listed = {sku for sku, _ in rows}
    for sku, quantity in rows:
        if sku in catalogue and (sku in result or quantity):
            result[sku] = quantity
    if full_snapshot:
        result.update({sku: 0 for sku, held in levels.items() if held and sku not in listed})
    return result


@pytest.mark.parametrize(("full_snapshot", "churn"), [(False, True), (True, True),
                                                      (False, False), (True, False)])
def test_random_days_end_as_a_comparison_with_the_stock_would(supplier, drop_dir, users,
                                                              monkeypatch, full_snapshot,
                                                              churn):
    """Ten days of files (quantities change; with ``churn`` SKUs also come, go and move,
    so lines are matched by SKU, else by position), unknown SKUs join the catalogue, and
    clerks adjust stock in between: after each import the levels and the number of ledger
    rows are what a full comparison gives."""
    from portal.feeds import delta

    paths, aligned = [], delta._aligned

    def spy(*args):
        found = aligned(*args)
        paths.append("by SKU" if found is None else "by position")
        return found

    monkeypatch.setattr(delta, "_aligned", spy)
    location, rng = supplier.location, random.Random(11 + full_snapshot)
    opening_stock(location, {})
    skus = [f"R-{n:03d}" for n in range(60)]
    for sku in skus[:50]:
        Product.get_or_create(sku=sku, defaults={"name": sku, "price": 1})
    feed = make_feed(supplier, full_snapshot=full_snapshot)
    listed = {sku: rng.randint(0, 9) for sku in skus[:40] + skus[55:]}
    compared = []
    for day in range(10):
        if day:
            for sku in rng.sample(sorted(listed), 4):
                listed[sku] = rng.randint(0, 9)
            for sku in rng.sample(sorted(listed), 2 * churn):
                del listed[sku]
            for sku in rng.sample([s for s in skus if s not in listed], 2 * churn):
                listed[sku] = rng.randint(1, 9)
            held = [sku for sku, units in levels_at(location).items() if units]
            for sku in rng.sample(held, min(2, len(held))):
                stock.adjust_stock(Product.get(Product.sku == sku), location,
                                   rng.choice([-1, 1]), "count", user=users["manager"])
            if day == 5:
                Product.create(sku=skus[56], name=skus[56], price=1)
        rows = list(listed.items())
        if day == 7 and churn:
            rng.shuffle(rows)
        catalogue = {p.sku for p in Product.select(Product.sku)}
        before, ledger = levels_at(location), feed_rows()
        expected = _expected(before, rows, catalogue, full_snapshot)

        publish(drop_dir, rows, f"day{day:02d}.csv")
        result = import_feed(feed)

        assert result.status == "ok", (day, result.problems)
        assert levels_at(location) == expected, day
        changed = sum(1 for sku, units in expected.items() if before.get(sku, 0) != units)
        assert result.changed == changed == feed_rows() - ledger, day
        compared.append(result.compared_with)
    assert check_levels() == []
    assert compared[0] == "stock" and set(compared[1:]) == {"baseline"}
    assert set(paths) == ({"by SKU"} if churn else {"by position"}), paths


def test_line_ends_and_non_ascii_skus_compare_as_the_parser_reads_them(supplier, drop_dir):
    location = supplier.location
    opening_stock(location, {})
    Product.get_or_create(sku="GRÖSSE-1", defaults={"name": "Größe", "price": 1})
    feed = make_feed(supplier, encoding="windows-1252")
    folder = drop_dir / "nordwest"
    (folder / "day1.csv").write_bytes((HEADER + "GRÖSSE-1;Mütze;4\nA-1;Jacke;5\n")
                                      .encode("cp1252"))
    assert import_feed(feed).changed == 2

    day2 = folder / "day2.csv"  # Windows line ends, a no-break space after the SKU
    day2.write_bytes((HEADER + "GRÖSSE-1\xa0;Mütze;4\nA-1;Jacke;6\nGRÖSSE-1;Mütze;5\n")
                     .replace("\n", "\r\n").encode("cp1252"))
    twice = import_feed(feed)
    assert twice.status == "failed" and [p["line"] for p in twice.problems if p["line"]] == [4]

    day2.write_bytes((HEADER + "GRÖSSE-1\xa0;Mütze;4\nA-1;Jacke;6\n")
                     .replace("\n", "\r\n").encode("cp1252"))
    result = import_feed(feed)
    assert (result.status, result.compared_with) == ("ok", "baseline"), result.problems
    assert result.changed == 1 and levels_at(location) == {"GRÖSSE-1": 4, "A-1": 6}


def test_a_movement_at_the_very_time_of_the_last_import_still_counts(supplier, drop_dir,
                                                                     users):
    """The import's own ledger rows share one time; another row at that time (a clerk's
    adjustment in the same microsecond) must not hide among them."""
    location = supplier.location
    opening_stock(location, {})
    feed = make_feed(supplier)
    publish(drop_dir, [("A-1", 5), ("A-2", 7)], "day1.csv")
    import_feed(feed)
    applied_at = datetime.fromisoformat(SupplierFeed.get_by_id(feed.id).baseline_info[
        "applied_at"])
    _started_hours_ago(feed, 3)
    stock.adjust_stock(Product.get(Product.sku == "A-1"), location, -1, "damage",
                       user=users["manager"])
    StockMovement.update(at=applied_at).where(StockMovement.kind == "adjustment").execute()
    age_other_rows = StockMovement.update(at=utcnow() - timedelta(hours=5)).where(
        StockMovement.at != applied_at)
    age_other_rows.execute()

    publish(drop_dir, [("A-1", 5), ("A-2", 8)], "day2.csv")
    result = import_feed(feed)

    assert (result.compared_with, result.changed) == ("baseline", 2)
    assert levels_at(location) == {"A-1": 5, "A-2": 8} and check_levels() == []


def test_earlier_imports_of_the_feed_do_not_make_skus_dirty(supplier, drop_dir):
    """Three files within the hour: the third skips every line the second had, although
    the first import's ledger rows lie within the margin."""
    opening_stock(supplier.location, {})
    feed = make_feed(supplier)
    rows = [(f"A-{n}", n) for n in range(1, 5)]
    for day, changed in enumerate([None, "A-1", "A-2"]):
        rows = [(sku, units + (sku == changed)) for sku, units in rows]
        publish(drop_dir, rows, f"day{day}.csv")
        result = import_feed(feed)
    assert (result.compared_with, result.unchanged, result.changed) == ("baseline", 3, 1)


def test_a_file_where_most_lines_differ_is_compared_with_the_stock(supplier, drop_dir,
                                                                   monkeypatch):
    from portal.feeds import delta

    opening_stock(supplier.location, {})
    feed = make_feed(supplier)
    publish(drop_dir, [("A-1", 1), ("A-2", 2), ("A-3", 3)], "day1.csv")
    import_feed(feed)
    monkeypatch.setattr(delta, "MAX_DIFFERING", 1)
    publish(drop_dir, [("A-1", 4), ("A-2", 5), ("A-3", 3)], "day2.csv")

    result = import_feed(feed)

    assert (result.compared_with, result.changed) == ("stock", 2)
    assert levels_at(supplier.location) == {"A-1": 4, "A-2": 5, "A-3": 3}


@pytest.mark.parametrize("change", ["appended", "last removed"])
def test_a_sku_added_or_removed_at_the_end_is_seen(supplier, drop_dir, change):
    """The lines before it match by position; the added or missing last line must still
    count (a new level, or 0 for a full snapshot)."""
    opening_stock(supplier.location, {})
    feed = make_feed(supplier, full_snapshot=True)
    rows = [("A-1", 5), ("A-2", 7), ("A-3", 2)]
    publish(drop_dir, rows, "day1.csv")
    import_feed(feed)

    publish(drop_dir, rows + [("A-4", 3)] if change == "appended" else rows[:-1], "day2.csv")
    result = import_feed(feed)

    assert (result.status, result.compared_with, result.changed) == ("ok", "baseline", 1)
    assert levels_at(supplier.location) == {"A-1": 5, "A-2": 7, "A-3": 2, "A-4": 3} \
        if change == "appended" else {"A-1": 5, "A-2": 7, "A-3": 0}
