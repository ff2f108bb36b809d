"""Stock level imports: one ledger row per changed row, reservations respected, checked
again on apply, refused whole when rows change meanwhile, few queries for big files."""

from __future__ import annotations

import pytest

from portal.db import db
from portal.inventory import services, stock_import
from portal.inventory.errors import StockError
from portal.inventory.imports import ImportRejected, apply_import, preview_import
from portal.inventory.ledger import check_levels
from portal.inventory.models import StockLevel, StockMovement
from tests.inventory.conftest import make_product
from tests.inventory.import_helpers import csv, snapshot
from tests.inventory.test_concurrency import run_in_threads


def level(product, location) -> StockLevel:
    return StockLevel.get(StockLevel.product == product, StockLevel.location == location)


def test_stock_import_writes_one_ledger_row_per_changed_row(product, stores, users):
    other = make_product("SNK-2")
    services.receive_stock(product, stores["BER"], 10)
    services.receive_stock(product, stores["HAM"], 4)
    services.set_safety_stock(product, stores["HAM"], 1)
    ledger_before = StockMovement.select().count()
    data = csv("""sku;location;on_hand;safety_stock
SNK-1;BER;12;2
SNK-1;ham;4;1
SNK-1;WH;0;3
SNK-2;BER;7;
SNK-2;HAM;0;
""")

    preview = preview_import("stock", data, "stock.csv")
    assert preview.errors == []
    assert (preview.created, preview.updated, preview.unchanged) == (2, 1, 2)
    apply_import("stock", data, "stock.csv", users["manager"], reference="import abc")

    assert (level(product, stores["BER"]).on_hand, level(product, stores["BER"]).safety_stock
            ) == (12, 2)
    assert level(product, stores["WH"]).safety_stock == 3
    assert level(other, stores["BER"]).on_hand == 7
    assert not StockLevel.select().where(StockLevel.product == other,
                                         StockLevel.location == stores["HAM"]).exists()
    rows = list(StockMovement.select().order_by(StockMovement.id))[ledger_before:]
    assert [(r.product_id, r.location_id, r.kind, r.on_hand_delta, r.safety_delta)
            for r in rows] == [
        (product.id, stores["BER"].id, "adjustment", 2, 2),
        (product.id, stores["WH"].id, "safety_stock", 0, 3),
        (other.id, stores["BER"].id, "adjustment", 7, 0)]
    assert {(r.reason, r.reference, r.user_id) for r in rows} == {
        ("import: stock.csv", "import abc", users["manager"].id)}
    assert check_levels() == []  # the ledger still adds up to every level


def test_stock_import_refuses_on_hand_below_reserved(product, stores, users):
    services.receive_stock(product, stores["BER"], 10)
    services.reserve_stock(product, stores["BER"], 6, "OMS-1")
    data = csv("sku,location,on_hand\nSNK-1,HAM,5\nSNK-1,BER,5\n")
    before = snapshot()

    preview = preview_import("stock", data, "stock.csv")

    assert [(e.line, e.column) for e in preview.errors] == [(3, "on_hand")]
    assert "6 units of SNK-1 at BER are reserved" in preview.errors[0].message
    with pytest.raises(ImportRejected):
        apply_import("stock", data, "stock.csv", users["manager"])
    assert snapshot() == before


def test_stock_lines_with_unknown_keys_duplicates_and_bad_numbers(product, stores):
    data = csv("""sku,location,on_hand,safety_stock
NOPE,BER,1,
SNK-1,XXX,1,
SNK-1,BER,1,
SNK-1,BER,2,
SNK-1,HAM,-1,
SNK-1,WH,2000000,
,WH,1,
SNK-1,WH,,
""")

    preview = preview_import("stock", data, "stock.csv")

    assert [(e.line, e.column) for e in preview.errors] == [
        (2, "sku"), (3, "location"), (5, ""), (6, "on_hand"), (7, "on_hand"), (8, "sku"),
        (9, "on_hand")]
    assert "first on line 4" in preview.errors[2].message


def test_apply_checks_again_because_the_stock_may_have_changed(product, stores, users):
    services.receive_stock(product, stores["BER"], 10)
    data = csv("sku,location,on_hand\nSNK-1,BER,3\n")
    assert preview_import("stock", data, "stock.csv").can_apply
    services.reserve_stock(product, stores["BER"], 5, "OMS-2")  # meanwhile, an order

    with pytest.raises(ImportRejected) as rejected:
        apply_import("stock", data, "stock.csv", users["manager"])

    assert rejected.value.preview.errors[0].line == 2
    assert level(product, stores["BER"]).on_hand == 10


def test_a_row_changed_under_the_import_refuses_all_of_it(product, stores, users,
                                                          monkeypatch):
    services.receive_stock(product, stores["BER"], 10)
    services.receive_stock(product, stores["HAM"], 10)
    original = stock_import._write_stock

    def sneaky(changes, *args):
        StockLevel.update(on_hand=9).where(StockLevel.location == stores["HAM"]).execute()
        original(changes, *args)

    monkeypatch.setattr(stock_import, "_write_stock", sneaky)
    with pytest.raises(StockError, match="changed while the import ran"):
        apply_import("stock", csv("sku,location,on_hand\nSNK-1,BER,1\nSNK-1,HAM,2\n"),
                     "stock.csv", users["manager"])

    assert level(product, stores["BER"]).on_hand == 10
    assert level(product, stores["HAM"]).on_hand == 10  # the sneaky update rolled back too
    assert StockMovement.select().count() == 2


def test_big_stock_files_use_a_handful_of_queries(ctx, stores, users, monkeypatch):
    products = [make_product(f"P-{n:04d}") for n in range(300)]
    data = ("sku,location,on_hand\n" + "".join(
        f"{p.sku},{code},{n % 7}\n" for n, p in enumerate(products) for code in ("BER", "HAM"))
    ).encode()
    statements = []
    original = db.obj.execute_sql

    def counting(sql, *args, **kwargs):
        statements.append(sql)
        return original(sql, *args, **kwargs)

    monkeypatch.setattr(db.obj, "execute_sql", counting)
    preview = preview_import("stock", data, "stock.csv")

    assert preview.errors == [] and preview.created == 600 - 2 * 43  # n % 7 == 0 is no row
    assert len(statements) <= 5, statements


def test_a_stock_row_created_meanwhile_refuses_the_whole_import(product, stores, users,
                                                                monkeypatch):
    original = stock_import._write_stock

    def concurrent_insert(changes, *args):
        services.ensure_level(product.id, stores["HAM"].id)  # as another writer would
        original(changes, *args)

    monkeypatch.setattr(stock_import, "_write_stock", concurrent_insert)
    with pytest.raises(StockError, match="changed while the import ran"):
        apply_import("stock", csv("sku,location,on_hand\nSNK-1,BER,1\nSNK-1,HAM,2\n"),
                     "stock.csv", users["manager"])

    assert StockLevel.select().count() == 0 and StockMovement.select().count() == 0


def test_an_import_racing_reservations_applies_whole_or_not_at_all(app, product, stores):
    products = [product] + [make_product(f"SNK-{n}") for n in range(2, 5)]
    for item in products:
        services.receive_stock(item, stores["BER"], 10)
    data = csv("sku,location,on_hand\n" + "".join(f"{p.sku},BER,4\n" for p in products))
    db.close()

    def work(i):
        if i == 0:
            return apply_import("stock", data, "stock.csv", None)
        return services.reserve_stock(products[i % len(products)], stores["BER"], 3, f"O-{i}")

    results = run_in_threads(app, work, 9)

    levels = list(StockLevel.select())
    assert all(level.on_hand >= level.reserved for level in levels)
    assert check_levels() == []
    imported = not isinstance(results[0], Exception)
    if not imported:
        assert isinstance(results[0], ImportRejected | StockError), results[0]
    assert {level.on_hand for level in levels} == ({4} if imported else {10})
