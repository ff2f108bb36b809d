"""Issue #8's figures: store replenishment proposals for 50 stores + 2 warehouses ×
2,000 SKUs (goal: ``proposals()`` p50 ≤ 3× the raw SQL below), plus the screen and an
approval for information.

The data is bulk-inserted straight into the tables (COPY on PostgreSQL, one prepared
INSERT with ``executemany`` on SQLite): stock levels (stores carry 70 % of the range with
zeros and safety stock, warehouses 90 %), ~90 days of sales as the ledger has them (a
``reservation`` row, then the ``sale`` row, quantity 1–2, each (store, product) selling
at its own daily rate) and open incoming deliveries at stores, some promised. Levels and
ledger do not add up (no opening rows): the proposals only read the sales.

"raw SQL" is the report's data in one statement: units sold per store and product in
the sales window joined with the store's level and its open incoming — what
``proposals()`` reads in three aggregates before it allocates in Python.
"""

from __future__ import annotations

import random
import re
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal

from config import TestConfig
from portal import create_app
from portal.auth.services import create_user
from portal.db import db, is_sqlite, transaction, upgrade_database, utcnow
from portal.inventory.models import IncomingStock, Product, StockLevel, StockMovement
from portal.locations.models import Location
from portal.returns import replenishment
from portal.returns.models import TransferOrder
from portal.returns.replenishment import Params, proposals
from tests.bench.bench_portal import TOKEN
from tests.bench.harness import Result, bulk_load, measure, report

STORES, WAREHOUSES, PRODUCTS, DAYS = 50, 2, 2000, 90
INCOMING = 3000
SAMPLES = 15
APPROVED_ROWS = 200
FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "bench-password"  # noqa: S105 - a throwaway bench user
MOVEMENT_COLUMNS = ("at", "product_id", "location_id", "kind", "on_hand_delta",
                    "reserved_delta", "safety_delta", "reason", "reference", "user_id")
LEVEL_COLUMNS = ("product_id", "location_id", "on_hand", "reserved", "safety_stock", "bin",
                 "updated_at")
RAW = """
WITH sales AS (
  SELECT m.location_id, m.product_id, -SUM(m.on_hand_delta) AS sold
  FROM stock_movement m
  WHERE m.kind = 'sale' AND m.at >= {p}
    AND m.location_id IN (SELECT id FROM location WHERE kind = 'store' AND active = {p})
  GROUP BY m.location_id, m.product_id),
incoming AS (
  SELECT i.location_id, i.product_id, SUM(i.quantity - i.promised) AS units
  FROM incoming_stock i WHERE i.status = 'open'
  GROUP BY i.location_id, i.product_id)
SELECT s.location_id, s.product_id, s.sold,
       COALESCE(l.on_hand - l.reserved - l.safety_stock, 0) AS available,
       COALESCE(l.safety_stock, 0) AS safety, COALESCE(n.units, 0) AS incoming
FROM sales s
LEFT JOIN stock_level l ON l.location_id = s.location_id AND l.product_id = s.product_id
LEFT JOIN incoming n ON n.location_id = s.location_id AND n.product_id = s.product_id
WHERE s.sold > 0
"""


# --- data -----------------------------------------------------------------------------

def _populate(rng: random.Random) -> dict:
    now = utcnow()
    with transaction():
        Location.insert_many(
            [{"code": f"WH{n}", "name": f"Lager {n}", "kind": "warehouse", "country": "DE",
              "priority": 10 * (n + 1), "created_at": now} for n in range(WAREHOUSES)]
            + [{"code": f"ST{n:03d}", "name": f"Filiale {n:03d}", "kind": "store",
                "country": "DE", "priority": 50, "created_at": now}
               for n in range(STORES)]).execute()
        for start in range(0, PRODUCTS, 1000):
            Product.insert_many([{
                "sku": f"SKU-{n:05d}", "name": f"Artikel {n}", "brand": "Bench",
                "category": ("Sneaker", "Jacken", "Hosen", "Outdoor", "Caps")[n % 5],
                "price": Decimal("29.99"), "created_at": now}
                for n in range(start, min(start + 1000, PRODUCTS))]).execute()
    places = list(Location.select(Location.id, Location.kind).tuples())
    products = [i for (i,) in Product.select(Product.id).tuples()]
    levels, movements, carried = [], [], []
    for location_id, kind in places:
        for product_id in products:
            if kind == "warehouse":
                if rng.random() < 0.9:
                    levels.append((product_id, location_id, rng.randint(0, 400), 0,
                                   rng.choice((0, 5, 10)), "", now))
                continue
            if rng.random() >= 0.7:
                continue
            on_hand = 0 if rng.random() < 0.15 else rng.randint(1, 15)
            levels.append((product_id, location_id, on_hand, min(on_hand, rng.choice((0, 0, 1))),
                           rng.choice((0, 0, 1, 2)), "", now))
            carried.append((location_id, product_id))
    for location_id, product_id in carried:
        rate = min(2.0, rng.expovariate(1 / 0.12))  # sales per day
        day = rng.expovariate(rate)
        while day < DAYS:
            at = now - timedelta(days=day)
            quantity = 1 if rng.random() < 0.85 else 2
            movements.append((at - timedelta(minutes=3), product_id, location_id,
                              "reservation", 0, quantity, 0, "", "BENCH", None))
            movements.append((at, product_id, location_id, "sale", -quantity, -quantity, 0,
                              "", "BENCH", None))
            day += rng.expovariate(rate)
    stores = [loc for loc, kind in places if kind == "store"]
    incoming = []
    for n in range(INCOMING):
        quantity = rng.randint(1, 20)
        incoming.append((rng.choice(products), rng.choice(stores), quantity,
                         date.today() + timedelta(days=rng.randint(1, 14)), "supplier_order",
                         f"PO-{n:05d}", "open", rng.choice((0, 0, 0, quantity)), now))
    bulk_load("stock_level", LEVEL_COLUMNS, levels)
    for start in range(0, len(movements), 200_000):
        bulk_load("stock_movement", MOVEMENT_COLUMNS, movements[start:start + 200_000])
    bulk_load("incoming_stock", ("product_id", "location_id", "quantity", "expected_on",
                             "source", "reference", "status", "promised", "created_at"),
          incoming)
    db.execute_sql("ANALYZE" if is_sqlite() else "VACUUM ANALYZE")
    return {"stock_rows": len(levels), "movements": len(movements),
            "sale_movements": len(movements) // 2, "incoming": len(incoming)}


# --- timings --------------------------------------------------------------------------

def _raw():
    since = utcnow() - timedelta(days=replenishment.sales_days())
    sql = RAW.format(p=db.param)

    def call():
        return db.execute_sql(sql, (since, True)).fetchall()
    return call


def _screen(app) -> list[Result]:
    with app.test_request_context():
        create_user(email="bench@example.com", name="Bench", password=PASSWORD,
                    role="manager")
    client = app.test_client()
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"email": "bench@example.com", "password": PASSWORD,
                                "csrf_token": token})

    def page():
        response = client.get("/returns/replenishment", headers={"HX-Request": "true"})
        assert response.status_code == 200
    results = [measure("screen (htmx fragment, 500 rows shown)", page, samples=5, warmup=1)]
    with app.test_request_context():
        rows = [row for row in proposals() if row.transfers][:APPROVED_ROWS]
        keys = [key for row in rows for _source, _quantity, key in row.picks()]
    token = FORM_TOKEN.search(client.get("/returns/replenishment").get_data(as_text=True))[1]
    started = time.perf_counter()
    response = client.post("/returns/replenishment/approve",
                           data={"pick": keys, "csrf_token": token, "run": "bench"},
                           headers={"HX-Request": "true"})
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200
    with app.test_request_context():
        made = TransferOrder.select().count()
    results.append(Result(f"approve {len(keys)} proposals → {made} transfers (+ new page)",
                          1, round(elapsed, 1), round(elapsed, 1), round(elapsed, 1),
                          round(1000 / elapsed, 2), notes={"picks": len(keys),
                                                           "transfers": made}))
    return results


def run(database_url: str | None = None) -> None:
    url = database_url or f"sqlite:///{tempfile.mkdtemp()}/bench-replenishment.sqlite3"
    app = create_app(TestConfig, DATABASE_URL=url)
    with app.test_request_context():
        if not is_sqlite():
            db.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
            db.execute_sql("CREATE SCHEMA public")
        upgrade_database()
        started = time.perf_counter()
        sizes = _populate(random.Random(8))
        load_seconds = round(time.perf_counter() - started, 1)
        rows = proposals()
        full = measure("proposals(), 50 stores × 2,000 SKUs", proposals, samples=SAMPLES,
                       warmup=2, goal="p50 ≤ 3× raw SQL p50")
        raw = measure("  raw SQL: sales + levels + incoming", _raw(), samples=SAMPLES,
                      warmup=2)
        full.meets_goal = full.p50_ms <= 3 * raw.p50_ms
        full.notes = {"raw_p50_ms": raw.p50_ms, "ratio_to_raw": round(full.p50_ms / raw.p50_ms, 2),
                      "rows": len(rows), "out_of_stock_rows": sum(r.out_of_stock for r in rows),
                      "units_needed": sum(r.need for r in rows),
                      "units_short": sum(r.shortfall for r in rows)}
        raw.notes = {"rows": len(_raw()())}
        store = measure("proposals(), one store", lambda: proposals(Params(store="ST007")),
                        samples=SAMPLES, warmup=1)
        category = measure("proposals(), one category",
                           lambda: proposals(Params(category="Jacken")), samples=SAMPLES,
                           warmup=1)
        levels = StockLevel.select().count()
        movements = StockMovement.select().count()
        incoming = IncomingStock.select().count()
    results = [full, raw, store, category, *_screen(app)]
    db.close()
    backend = "sqlite" if is_sqlite() else "postgresql"
    report(f"replenishment-{backend}", results, {
        "database": backend, "stores": STORES, "warehouses": WAREHOUSES,
        "products": PRODUCTS, "days_of_sales": DAYS, **sizes, "stock_rows_counted": levels,
        "movements_counted": movements, "incoming_counted": incoming,
        "sales_days": 28, "cover_days": 14, "load_seconds": load_seconds,
        "transport": "in-process: replenishment.proposals(); screen via flask test client"})
