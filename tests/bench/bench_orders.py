"""Issue #5's figure: orders per second through POST /api/v1/orders under gunicorn
(4 workers), 3-line orders, with the in-process service cost beside it.

Clients are threads on loopback (bounded: ORDERS requests in all). Stock is ample so
every order succeeds; each one reserves stock with the conditional UPDATEs.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from config import TestConfig
from portal import create_app
from portal.auth.services import create_api_key
from portal.db import db, is_sqlite, upgrade_database
from portal.demo.loader import load_demo
from portal.inventory import services as stock
from portal.inventory.models import Product
from portal.locations.models import Location
from portal.orders.services import NewOrder, place_order
from tests.bench.harness import Result, percentile, report

ROOT = Path(__file__).resolve().parents[2]
ORDERS, CLIENTS, WORKERS = 1200, 8, 4
SKUS = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _body(n: int, skus: list[str]) -> bytes:
    lines = [{"sku": skus[(n + i * 7) % len(skus)], "quantity": 1} for i in range(3)]
    return json.dumps({
        "channel": "web", "customer": {"name": f"Bench {n}", "email": f"b{n}@example.com"},
        "shipping_address": {"name": f"Bench {n}", "street": "Teststraße 1",
                             "postcode": "34123", "city": "Kassel", "country": "DE"},
        "delivery": {"method": "home"}, "lines": lines,
        "payment": {"provider": "sandbox"}}).encode()


def _prepare(url: str) -> tuple[str, list[str]]:
    app = create_app(TestConfig, DATABASE_URL=url)
    with app.test_request_context():
        if not is_sqlite():
            db.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
            db.execute_sql("CREATE SCHEMA public")
        upgrade_database()
        load_demo(product_count=SKUS)
        warehouse = Location.get(Location.code == "WH-KS")
        skus = [p.sku for p in Product.select().order_by(Product.id)]
        for product in Product.select():
            stock.receive_stock(product, warehouse, 100_000)
        _key, plain = create_api_key("bench", ["orders:write", "orders:read"])
    db.close()
    return plain, skus


def _in_process(url: str, skus: list[str], count: int = 200) -> Result:
    app = create_app(TestConfig, DATABASE_URL=url, LOCATION_CACHE_SECONDS=30)
    timings = []
    with app.test_request_context():
        for n in range(count):
            lines = [{"sku": skus[(n + i * 7) % len(skus)], "quantity": 1} for i in range(3)]
            started = time.perf_counter()
            place_order(NewOrder(channel="web", customer_name="Raw", ship_name="Raw",
                                 ship_street="Teststraße 1", ship_postcode="34123",
                                 ship_city="Kassel", lines=lines))
            timings.append((time.perf_counter() - started) * 1000)
    db.close()
    return Result("place_order in-process (3 lines), 1 caller", count,
                  round(statistics.median(timings), 3), round(percentile(timings, 95), 3),
                  round(percentile(timings, 99), 3),
                  round(1000 / statistics.fmean(timings), 1))


def _through_gunicorn(url: str, key: str, skus: list[str]) -> Result:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-only",
           "OMS_INSTANCE_DIR": tempfile.mkdtemp(), "LOCATION_CACHE_SECONDS": "30"}
    server = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn on loopback
        [str(Path(sys.executable).with_name("gunicorn")), "--workers", str(WORKERS),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "portal:create_app()"],
        cwd=ROOT, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)
        timings, failures, counter, lock = [], [], iter(range(ORDERS)), threading.Lock()

        def client():
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                request = urllib.request.Request(  # noqa: S310
                    f"{base}/api/v1/orders", data=_body(n, skus), method="POST",
                    headers={"Authorization": f"Bearer {key}", "Idempotency-Key": f"b-{n}",
                             "Content-Type": "application/json"})
                started = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                        ok = response.status == 201
                except OSError as error:
                    ok = False
                    failures.append(str(error))
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    timings.append(elapsed)
                    if not ok and len(failures) < 5:
                        failures.append("status")

        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
    result = Result(f"POST /api/v1/orders via gunicorn ({WORKERS} workers, {CLIENTS} clients)",
                    len(timings), round(statistics.median(timings), 3),
                    round(percentile(timings, 95), 3), round(percentile(timings, 99), 3),
                    round(len(timings) / wall, 1), goal="≥ 200 orders/s")
    result.meets_goal = result.per_second >= 200 and not failures
    result.notes = {"failures": failures[:5], "wall_seconds": round(wall, 2)}
    return result


def run(database_url: str | None = None) -> None:
    url = database_url or f"sqlite:///{tempfile.mkdtemp()}/bench-orders.sqlite3"
    key, skus = _prepare(url)
    results = [_through_gunicorn(url, key, skus), _in_process(url, skus)]
    backend = "sqlite" if url.startswith("sqlite") else "postgresql"
    report(f"orders-{backend}", results, {"database": backend, "orders": ORDERS,
                                          "lines_per_order": 3, "transport": "HTTP, loopback"})
