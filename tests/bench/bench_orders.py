"""Issue #5's figure: orders per second through POST /api/v1/orders under gunicorn
(4 workers), 3-line orders, with the in-process costs and the raw cost of the same
writes side by side.

The load generator is its own process (``load_client.py``: stdlib only, one keep-alive
connection per client thread), so it competes with the server only as a real client
on the same machine would; its CPU time is reported. Stock is ample so every order
succeeds; each one reserves stock with the conditional UPDATEs.

Rows of the report, per database:
* HTTP through gunicorn: orders/s, p50/p95/p99 latency, server and client CPU per order;
* POST in-process (Flask test client): the whole request without HTTP, with the SQL
  statements, round trips and commits per order;
* ``place_order`` in-process: the order service alone;
* the same writes with the bare driver (``raw_orders.py``).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from config import TestConfig
from portal import create_app
from portal.auth.models import ApiKey
from portal.auth.services import create_api_key
from portal.db import db, is_sqlite, upgrade_database
from portal.demo.loader import load_demo
from portal.inventory import services as stock
from portal.inventory.models import Product
from portal.locations.models import Location
from portal.orders.services import NewOrder, place_order
from tests.bench.harness import Result, percentile, report
from tests.bench.load_client import order_body
from tests.bench.raw_orders import raw_inserts
from tests.bench.sqlcount import count_sql

ROOT = Path(__file__).resolve().parents[2]
ORDERS, WARMUP, CLIENTS, WORKERS = 1200, 100, 8, 4
# gthread keeps connections alive between requests (sync workers close each one);
# 2 threads per worker let one thread parse while the other waits on the database.
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "gthread")
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
SKUS = 60
GOAL = 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _app(url: str):
    return create_app(TestConfig, DATABASE_URL=url, LOCATION_CACHE_SECONDS=30,
                      API_KEY_CACHE_SECONDS=5)


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
        db.execute_sql("ANALYZE")  # planner statistics, as a live database has them
    db.close()
    return plain, skus


def _cpu_seconds(pid: int | None = None, database: str = "") -> float:
    """User + system CPU (Linux /proc, else 0) of ``pid`` and its children, or of the
    PostgreSQL backends serving ``database``."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if database:
                title = (stat.parent / "cmdline").read_bytes().decode(errors="replace")
                if not (title.startswith("postgres:") and f" {database} " in title):
                    continue
            elif pid not in (int(stat.parent.name), int(fields[1])):
                continue
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _result(name: str, timings: list[float], per_second: float, **notes) -> Result:
    return Result(name, len(timings), round(statistics.median(timings), 3),
                  round(percentile(timings, 95), 3), round(percentile(timings, 99), 3),
                  round(per_second, 1), notes=notes)


def _through_gunicorn(url: str, key: str, skus: list[str]) -> Result:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-only",
           "OMS_INSTANCE_DIR": tempfile.mkdtemp(), "LOCATION_CACHE_SECONDS": "30"}
    server = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn on loopback
        [str(Path(sys.executable).with_name("gunicorn")), "--workers", str(WORKERS),
         "--worker-class", WORKER_CLASS, "--threads", str(THREADS),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "portal:create_app()"],
        cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)
        settings = {"port": port, "key": key, "skus": skus, "clients": CLIENTS,
                    "run": f"b{time.time_ns()}"}
        _load(settings, orders=0, warmup=WARMUP)  # every worker imports, connects, caches
        database = "" if url.startswith("sqlite") else url.rsplit("/", 1)[-1]
        server_cpu, db_cpu = _cpu_seconds(server.pid), _cpu_seconds(database=database)
        run = _load(settings, orders=ORDERS)
        server_cpu = _cpu_seconds(server.pid) - server_cpu
        db_cpu = _cpu_seconds(database=database) - db_cpu if database else 0.0
    finally:
        server.terminate()
        server.wait(timeout=10)
    timings, wall = run["timings_ms"], run["wall_seconds"]
    created = run["statuses"].get("201", 0)
    result = _result(
        "POST /api/v1/orders via gunicorn (HTTP)",
        timings, created / wall, statuses=run["statuses"], failures=run["failures"],
        wall_seconds=round(wall, 2),
        client_cpu_ms_per_order=round(run["client_cpu_seconds"] * 1000 / len(timings), 2),
        server_cpu_ms_per_order=round(server_cpu * 1000 / len(timings), 2),
        postgres_cpu_ms_per_order=round(db_cpu * 1000 / len(timings), 2))
    result.goal = f"≥ {GOAL} orders/s"
    result.meets_goal = result.per_second >= GOAL and created == len(timings)
    return result


def _load(settings: dict, *, orders: int, warmup: int = 0) -> dict:
    """Run the load generator in its own process; its JSON result."""
    client = subprocess.run(  # noqa: S603 - the load generator, stdlib only
        [sys.executable, "-m", "tests.bench.load_client"], cwd=ROOT, check=True,
        input=json.dumps({**settings, "orders": orders, "warmup": warmup}),
        capture_output=True, text=True, timeout=600)
    return json.loads(client.stdout)


def _lines(n: int, skus: list[str]) -> list[dict]:
    return [{"sku": skus[(n + i * 7) % len(skus)], "quantity": 1} for i in range(3)]


def _api_in_process(url: str, key: str, skus: list[str], count: int = 200) -> Result:
    """The whole POST through the Flask test client: time, statements, commits."""
    app = _app(url)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def post(n: int) -> None:
        response = client.post("/api/v1/orders", data=order_body(n, skus),
                               headers={**headers, "Idempotency-Key": f"in-{n}"})
        assert response.status_code == 201, response.get_data(as_text=True)

    for n in range(20):
        post(10**6 + n)
    timings = []
    for n in range(count):
        started = time.perf_counter()
        post(n)
        timings.append((time.perf_counter() - started) * 1000)
    with app.app_context(), count_sql(db.obj) as sql:
        for n in range(10):
            post(2 * 10**6 + n)
    db.close()
    return _result("POST in-process (test client, no HTTP)", timings,
                   1000 / statistics.fmean(timings), sql_per_order=sql.per(10))


def _in_process(url: str, skus: list[str], count: int = 200) -> Result:
    app = _app(url)
    timings = []
    with app.test_request_context():
        def order(n: int) -> None:
            place_order(NewOrder(channel="web", customer_name="Raw", ship_name="Raw",
                                 ship_street="Teststraße 1", ship_postcode="34123",
                                 ship_city="Kassel", lines=_lines(n, skus)))

        for n in range(10):
            order(n)
        for n in range(count):
            started = time.perf_counter()
            order(n)
            timings.append((time.perf_counter() - started) * 1000)
        with count_sql(db.obj) as sql:
            for n in range(10):
                order(n)
    db.close()
    return _result("place_order in-process (3 lines), 1 caller", timings,
                   1000 / statistics.fmean(timings), sql_per_order=sql.per(10))


def _raw(url: str) -> Result:
    app = _app(url)
    with app.app_context():
        products = [(p.id, p.price) for p in Product.select().order_by(Product.id)]
        location_id = Location.get(Location.code == "WH-KS").id
        api_key_id = ApiKey.get(ApiKey.name == "bench").id
    db.close()
    return raw_inserts(url, products, location_id, api_key_id)


_RUNS: dict[str, list[Result]] = {}  # backend → results, for the side-by-side table


def run(database_url: str | None = None) -> None:
    url = database_url or f"sqlite:///{tempfile.mkdtemp()}/bench-orders.sqlite3"
    key, skus = _prepare(url)
    results = [_through_gunicorn(url, key, skus), _api_in_process(url, key, skus),
               _in_process(url, skus), _raw(url)]
    backend = "sqlite" if url.startswith("sqlite") else "postgresql"
    report(f"orders-{backend}", results, {
        "database": backend, "orders": ORDERS, "warmup_orders": WARMUP,
        "lines_per_order": 3, "clients": CLIENTS, "workers": WORKERS,
        "worker_class": WORKER_CLASS, "threads": THREADS, "cpus": os.cpu_count(),
        "transport": "HTTP/1.1 keep-alive, loopback; load generator in its own process"})
    _RUNS[backend] = results
    side_by_side(_RUNS)


def side_by_side(runs: dict[str, list[Result]]) -> None:
    """One table with a column per database: throughput, latency, CPU and SQL per order,
    and the raw cost of the same writes."""
    http, api, service, raw = range(4)
    rows = [
        ("HTTP orders/s", lambda r: f"{r[http].per_second:.1f}"),
        ("HTTP p50 / p99 ms", lambda r: f"{r[http].p50_ms:.1f} / {r[http].p99_ms:.1f}"),
        ("server CPU ms/order (gunicorn)",
         lambda r: f"{r[http].notes['server_cpu_ms_per_order']:.2f}"),
        ("PostgreSQL CPU ms/order", lambda r: f"{r[http].notes['postgres_cpu_ms_per_order']:.2f}"),
        ("client CPU ms/order", lambda r: f"{r[http].notes['client_cpu_ms_per_order']:.2f}"),
        ("POST in-process p50 ms", lambda r: f"{r[api].p50_ms:.2f}"),
        ("  statements / round trips / commits", lambda r: " / ".join(
            f"{r[api].notes['sql_per_order'][k]:g}"
            for k in ("statements", "round_trips", "commits"))),
        ("place_order in-process p50 ms", lambda r: f"{r[service].p50_ms:.2f}"),
        ("same writes, bare driver p50 ms", lambda r: f"{r[raw].p50_ms:.2f}"),
    ]
    names = list(runs)
    print(f"\n== orders: {' vs '.join(names)} (goal ≥ {GOAL} orders/s) ==")
    print(f"{'':38}" + "".join(f"{name:>20}" for name in names))
    for label, cell in rows:
        print(f"{label:38}" + "".join(f"{cell(runs[name]):>20}" for name in names))
