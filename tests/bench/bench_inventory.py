"""Issue #4's figures at 2,000 locations × 500 products = 1,000,000 stock rows:
stock search page vs the same raw SQL, and the availability API for 1 and 20 SKUs.

The data is bulk-inserted straight into the tables (no ledger rows: they do not
take part in these reads). Requests go through Flask's test client in-process.
"""

from __future__ import annotations

import random
import tempfile
import time
from decimal import Decimal

from config import TestConfig
from portal import create_app
from portal.auth.services import create_api_key, create_user
from portal.db import db, is_sqlite, transaction, upgrade_database, utcnow
from portal.inventory import search
from portal.inventory.models import Product, StockLevel
from portal.locations.models import Location
from tests.bench.harness import measure, report

LOCATIONS, PRODUCTS = 2000, 500
BATCH = 5000


def _populate() -> None:
    rng = random.Random(4)
    with transaction():
        Location.insert_many([{
            "code": f"L{n:04d}", "name": f"Store {n:04d}",
            "kind": "warehouse" if n % 100 == 0 else "store",
            "postcode": f"{rng.randint(1000, 99999):05d}", "country": "DE",
            "latitude": 47.5 + rng.random() * 7, "longitude": 6 + rng.random() * 9,
            "created_at": utcnow()} for n in range(LOCATIONS)]).execute()
        Product.insert_many([{
            "sku": f"SKU-{n:05d}", "ean": f"40{n:011d}", "name": f"Artikel {n} {word}",
            "brand": rng.choice(["Nordkap", "Alpenwerk", "Urbanfit", "Vento"]),
            "category": rng.choice(["Sneaker", "Jacken", "Hosen", "Outdoor"]),
            "price": Decimal("19.99"), "created_at": utcnow()}
            for n, word in ((n, rng.choice(["Runner", "Jacke", "Zelt"]))
                            for n in range(PRODUCTS))]).execute()
    location_ids = [i for (i,) in Location.select(Location.id).tuples()]
    product_ids = [i for (i,) in Product.select(Product.id).tuples()]
    now = utcnow()
    rows = []
    for location_id in location_ids:
        for product_id in product_ids:
            on_hand = 0 if rng.random() < 0.3 else rng.randint(1, 40)
            rows.append((product_id, location_id, on_hand, min(on_hand, rng.randint(0, 2)),
                         rng.choice((0, 0, 1)), now))
            if len(rows) == BATCH:
                _insert(rows)
                rows = []
    _insert(rows)
    # Statistics for the planner; on PostgreSQL also the visibility map that index-only
    # scans need (autovacuum keeps it current in production).
    db.execute_sql("ANALYZE" if is_sqlite() else "VACUUM ANALYZE")


def _insert(rows) -> None:
    if not rows:
        return
    fields = [StockLevel.product, StockLevel.location, StockLevel.on_hand, StockLevel.reserved,
              StockLevel.safety_stock, StockLevel.updated_at]
    with transaction():
        StockLevel.insert_many(rows, fields=fields).execute()


def _raw(query):
    """The same SQL the page runs, executed directly (the floor for the page)."""
    sql, params = query.sql()

    def call():
        db.execute_sql(sql, params).fetchall()
    return call


def run(database_url: str | None = None) -> None:
    url = database_url or f"sqlite:///{tempfile.mkdtemp()}/bench-inventory.sqlite3"
    app = create_app(TestConfig, DATABASE_URL=url, LOCATION_CACHE_SECONDS=30)
    with app.test_request_context():
        if not is_sqlite():
            db.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
            db.execute_sql("CREATE SCHEMA public")
        upgrade_database()
        started = time.perf_counter()
        _populate()
        load_seconds = round(time.perf_counter() - started, 1)
        create_user(email="bench@example.com", name="Bench", password="bench-password",
                    role="manager")
        _key, api_key = create_api_key("bench", ["availability:read"])
    client = app.test_client()
    from tests.bench.bench_portal import TOKEN

    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"email": "bench@example.com", "password": "bench-password",
                                "csrf_token": token})
    searches = {
        "text 'runner'": "q=runner",
        "location L0042": "location=L0042",
        "out of stock, sort available": "out_of_stock=1&sort=available",
        "unfiltered, sort sku": "",
        "category + kind": "category=Jacken&kind=warehouse",
    }
    results = []
    for label, query in searches.items():
        def page(query=query):
            response = client.get(f"/stock/?{query}", headers={"HX-Request": "true"})
            assert response.status_code == 200
        page_result = measure(f"stock search page: {label}", page, samples=60, warmup=3,
                              goal="p95 < 100 ms, ≤ 3× raw", goal_p95_ms=100)
        with app.test_request_context(f"/stock/?{query}"):
            from flask import request

            flt = search.StockFilter.from_args(request.args)
            sql_query = search.stock_query(flt).paginate(1, search.PER_PAGE)
            raw = measure(f"  raw SQL: page rows ({label})", _raw(sql_query), samples=60,
                          warmup=3)
            count = measure(f"  raw SQL: capped count ({label})",
                            lambda flt=flt: search.capped_count(search.stock_query(flt)),
                            samples=60, warmup=3)
        floor = raw.p95_ms + count.p95_ms
        page_result.notes = {"raw_p95_ms": round(floor, 3),
                             "ratio_to_raw": round(page_result.p95_ms / floor, 2)}
        page_result.meets_goal = page_result.meets_goal and page_result.p95_ms <= 3 * floor
        results += [page_result, raw, count]

    headers = {"Authorization": f"Bearer {api_key}"}

    def availability(skus):
        query = "&".join(f"sku=SKU-{n:05d}" for n in skus)

        def call():
            response = client.get(f"/api/v1/availability?{query}", headers=headers)
            assert response.status_code == 200
        return call

    results.append(measure("availability API, 1 SKU", availability([7]), samples=200,
                           goal="p99 < 10 ms"))
    results[-1].meets_goal = results[-1].p99_ms < 10
    results.append(measure("availability API, 20 SKUs", availability(range(100, 120)),
                           samples=50, warmup=3))
    backend = "sqlite" if is_sqlite() else "postgresql"
    report(f"inventory-{backend}", results, {
        "database": backend, "stock_rows": LOCATIONS * PRODUCTS, "locations": LOCATIONS,
        "products": PRODUCTS, "load_seconds": load_seconds,
        "transport": "flask test client, in-process"})
