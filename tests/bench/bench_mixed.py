"""Issue #10's mixed load: the web shop and the WMS at once against gunicorn + PostgreSQL.

For ``--seconds`` (default 60, ``BENCH_MIXED_SECONDS``) client threads in their own
process send 80 % ``GET /api/v1/availability?sku=...``, 15 % ``POST /api/v1/orders``
(Idempotency-Key, sandbox payment: the order waits for its payment and holds its stock)
and 5 % ``POST /api/v1/fulfillments/{id}/events`` (accepted → picked → packed → shipped)
on fulfilments of orders placed and paid in store before the timed window. Each kind
has its own API key with only its scope. Reported: requests per second, p50/p95/p99 per
kind, statuses, errors (anything but 2xx; 409 is counted apart as an expected conflict)
and whether ``stock check`` (every level against its ledger) is clean afterwards.

The load runs on PostgreSQL only (SQLite serialises the writers of several workers):
``python -m tests.bench mixed`` with ``BENCH_DATABASE_URL`` set, as ``make bench`` does,
or ``python -m tests.bench.bench_mixed --seconds 10 [--database URL]``.
The client process (``--client``) reads its settings as JSON on stdin.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECONDS = int(os.environ.get("BENCH_MIXED_SECONDS", "60"))
WARMUP_SECONDS = 3
WORKERS, THREADS, CLIENTS = 4, 2, 16
PRODUCTS = 200
MIX = (("availability", 0.80), ("order", 0.15), ("wms", 0.05))
STEPS = ("accepted", "picked", "packed", "shipped")
EXPECTED = {"availability": "200", "order": "201", "wms": "200"}
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/oms_bench"


# ---- the load generator (its own process: python -m tests.bench.bench_mixed --client) ----

def _order_body(n: int, skus: list[str]) -> bytes:
    lines = [{"sku": skus[(n * 13 + i * 7) % len(skus)], "quantity": 1}
             for i in range(1 + n % 2)]
    return json.dumps({
        "channel": "web", "customer": {"name": f"Mixed {n}", "email": f"m{n}@example.com"},
        "shipping_address": {"name": f"Mixed {n}", "street": "Teststraße 1",
                             "postcode": "34123", "city": "Kassel", "country": "DE"},
        "delivery": {"method": "home"}, "lines": lines,
        "payment": {"provider": "sandbox"}}).encode()


def load(settings: dict) -> dict:
    """Run the mix for ``settings["seconds"]`` over ``settings["clients"]`` keep-alive
    connections; per kind: latencies (ms), statuses, a few failure texts."""
    seconds, run = settings["seconds"], settings["run"]
    skus, keys = settings["skus"], settings["keys"]
    pool = collections.deque([fid, 0] for fid in settings.get("fulfillments", []))
    lock = threading.Lock()
    timings: dict[str, list[float]] = {kind: [] for kind, _ in MIX}
    statuses: dict[str, dict[str, int]] = {kind: {} for kind, _ in MIX}
    failures: list[str] = []
    counter = iter(range(10**9))
    exhausted = [0]
    deadline = time.perf_counter() + seconds

    def request(kind: str, rng: random.Random) -> tuple[str, str, bytes | None, dict, list]:
        headers = {"Authorization": f"Bearer {keys[kind]}"}
        if kind == "availability":
            return "GET", f"/api/v1/availability?sku={rng.choice(skus)}", None, headers, []
        with lock:
            n = next(counter)
            item = pool.popleft() if kind == "wms" and pool else None
        headers["Content-Type"] = "application/json"
        if kind == "order":
            headers["Idempotency-Key"] = f"{run}-{n}"
            return "POST", "/api/v1/orders", _order_body(n, skus), headers, []
        fid, step = item
        body = json.dumps({"type": STEPS[step], "event_id": f"{run}-{fid}-{STEPS[step]}"})
        return "POST", f"/api/v1/fulfillments/{fid}/events", body.encode(), headers, item

    def client(index: int) -> None:
        rng = random.Random(index)
        connection = http.client.HTTPConnection("127.0.0.1", settings["port"], timeout=30)
        while time.perf_counter() < deadline:
            kind = rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
            if kind == "wms" and settings.get("warmup"):
                kind = "availability"  # the warm-up leaves the WMS pool alone
            if kind == "wms" and not pool:
                with lock:
                    exhausted[0] += 1
                kind = "availability"
            try:
                method, path, body, headers, item = request(kind, rng)
            except TypeError:  # another thread took the last fulfilment meanwhile
                continue
            started = time.perf_counter()
            try:
                connection.request(method, path, body, headers)
                response = connection.getresponse()
                text = response.read()
                status = str(response.status)
            except (OSError, http.client.HTTPException) as error:
                connection.close()  # reconnect on the next request
                status, text = "error", f"{type(error).__name__}: {error}".encode()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                timings[kind].append(elapsed)
                statuses[kind][status] = statuses[kind].get(status, 0) + 1
                if status != EXPECTED[kind] and len(failures) < 10:
                    failures.append(f"{kind} {path} {status}: {text[:200]!r}")
                if kind == "wms" and status == "200" and item[1] + 1 < len(STEPS):
                    # its next step is the next WMS call: every step gets exercised
                    pool.appendleft([item[0], item[1] + 1])
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(settings["clients"])]
    cpu, started = time.process_time(), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"timings_ms": timings, "statuses": statuses, "failures": failures,
            "wall_seconds": time.perf_counter() - started,
            "client_cpu_seconds": time.process_time() - cpu,
            "wms_pool_exhausted": exhausted[0]}


def _client_main() -> None:
    json.dump(load(json.load(sys.stdin)), sys.stdout)


# ---- the harness ----

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare(url: str, pool_size: int) -> dict:
    """A clean schema, demo data with ``PRODUCTS`` products and ample stock at several
    locations, three API keys and ``pool_size`` paid orders whose fulfilments the WMS
    part of the load moves along."""
    from config import TestConfig
    from portal import create_app
    from portal.auth.services import create_api_key
    from portal.db import db, upgrade_database
    from portal.demo.loader import load_demo
    from portal.fulfilment.models import FulfillmentOrder
    from portal.fulfilment.status import FulfillmentStatus
    from portal.inventory import services as stock
    from portal.inventory.models import Product
    from portal.locations.models import Location
    from portal.orders.services import NewOrder, place_order
    from portal.payments.services import record_in_store_payment

    app = create_app(TestConfig, DATABASE_URL=url)
    with app.test_request_context():
        db.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
        db.execute_sql("CREATE SCHEMA public")
        upgrade_database()
        load_demo(product_count=PRODUCTS)
        products = list(Product.select().order_by(Product.id))
        for code, units in (("WH-KS", 50_000), ("WH-HAL", 50_000), ("BER", 500), ("HAM", 500)):
            location = Location.get(Location.code == code)
            for product in products:
                stock.receive_stock(product, location, units)
        skus = [p.sku for p in products]
        keys = {kind: create_api_key(f"bench-{kind}", scopes)[1] for kind, scopes in (
            ("availability", ["availability:read"]), ("order", ["orders:write"]),
            ("wms", ["fulfillments:read", "fulfillments:write"]))}
        started = time.perf_counter()
        orders = []
        for n in range(pool_size):
            order = place_order(NewOrder(
                channel="web", customer_name=f"Pool {n}", ship_name=f"Pool {n}",
                ship_street="Teststraße 1", ship_postcode="34123", ship_city="Kassel",
                lines=[{"sku": skus[n % len(skus)], "quantity": 1}]))
            record_in_store_payment(order, "cash", "", "bench")
            orders.append(order.id)
        fulfillments = [f.id for f in FulfillmentOrder.select(FulfillmentOrder.id).where(
            FulfillmentOrder.order.in_(orders),
            FulfillmentOrder.status == FulfillmentStatus.ASSIGNED).order_by(FulfillmentOrder.id)]
        pool_seconds = time.perf_counter() - started
        db.execute_sql("ANALYZE")  # planner statistics, as a live database has them
    db.close()
    return {"skus": skus, "keys": keys, "fulfillments": fulfillments,
            "pool_seconds": round(pool_seconds, 1)}


def _stock_check(url: str) -> list:
    from config import TestConfig
    from portal import create_app
    from portal.db import db
    from portal.inventory.ledger import check_levels

    app = create_app(TestConfig, DATABASE_URL=url)
    with app.app_context():
        differences = check_levels()
    db.close()
    return differences


def _load(settings: dict) -> dict:
    client = subprocess.run(  # noqa: S603 - the load generator, our own module
        [sys.executable, "-m", "tests.bench.bench_mixed", "--client"], cwd=ROOT, check=True,
        input=json.dumps(settings), capture_output=True, text=True,
        timeout=settings["seconds"] + 120)
    return json.loads(client.stdout)


def _serve(url: str, port: int) -> subprocess.Popen:
    """gunicorn as ``make serve`` runs it (gthread workers keep connections alive); the
    API's rate limit is raised so that it counts but does not refuse the one bench key."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-only",
           "OMS_INSTANCE_DIR": tempfile.mkdtemp(), "LOCATION_CACHE_SECONDS": "30"}
    app = "portal:create_app('config.Config', RATELIMIT_API='1000000 per minute')"
    server = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn on loopback
        [str(Path(sys.executable).with_name("gunicorn")), "--workers", str(WORKERS),
         "--worker-class", "gthread", "--threads", str(THREADS), "--timeout", "120",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app],
        cwd=ROOT, env=env)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)  # noqa: S310
            return server
        except OSError:
            if server.poll() is not None:
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("gunicorn did not answer /healthz")


def _result(name: str, timings: list[float], wall: float, statuses: dict, goal_ok: bool,
            **notes):
    from tests.bench.harness import Result, percentile

    if not timings:
        return Result(name, 0, 0, 0, 0, 0, goal="0 errors", meets_goal=goal_ok,
                      notes={"statuses": statuses, **notes})
    return Result(name, len(timings), round(statistics.median(timings), 3),
                  round(percentile(timings, 95), 3), round(percentile(timings, 99), 3),
                  round(len(timings) / wall, 1), goal="0 errors", meets_goal=goal_ok,
                  notes={"statuses": statuses, **notes})


def _errors(kind: str, statuses: dict) -> int:
    return sum(n for code, n in statuses.items()
               if code not in (EXPECTED[kind], "409"))


def run(database_url: str | None = None, seconds: int | None = None) -> dict | None:
    """The mixed load on PostgreSQL; on SQLite (no URL) only a note."""
    from tests.bench.harness import report

    if not database_url or database_url.startswith("sqlite"):
        print("\n== mixed: runs on PostgreSQL only (set BENCH_DATABASE_URL) ==")
        return None
    seconds = seconds or SECONDS
    pool_size = max(60, seconds * 6)  # 4 events each: about 3 × what 5 % of the load needs
    data = _prepare(database_url, pool_size)
    port = _free_port()
    server = _serve(database_url, port)
    settings = {"port": port, "clients": CLIENTS, "skus": data["skus"], "keys": data["keys"]}
    try:
        _load({**settings, "seconds": WARMUP_SECONDS, "warmup": True,
               "run": f"w{time.time_ns()}"})  # every worker imports, connects and caches
        outcome = _load({**settings, "seconds": seconds, "run": f"m{time.time_ns()}",
                         "fulfillments": data["fulfillments"]})
    finally:
        server.terminate()
        server.wait(timeout=30)
    differences = _stock_check(database_url)
    wall = outcome["wall_seconds"]
    results = []
    all_timings, all_statuses, total_errors, conflicts = [], {}, 0, 0
    for kind, label in (("availability", "GET /api/v1/availability (80 %)"),
                        ("order", "POST /api/v1/orders (15 %)"),
                        ("wms", "POST /api/v1/fulfillments/{id}/events (5 %)")):
        timings, statuses = outcome["timings_ms"][kind], outcome["statuses"][kind]
        errors = _errors(kind, statuses)
        total_errors += errors
        conflicts += statuses.get("409", 0)
        all_timings += timings
        for code, n in statuses.items():
            all_statuses[code] = all_statuses.get(code, 0) + n
        results.append(_result(label, timings, wall, statuses, errors == 0, errors=errors,
                               share=round(len(timings) / max(1, sum(
                                   len(t) for t in outcome["timings_ms"].values())), 3)))
    stock_clean = not differences
    results.insert(0, _result("mixed load, all requests", all_timings, wall, all_statuses,
                              total_errors == 0 and stock_clean, errors=total_errors,
                              conflicts_409=conflicts, failures=outcome["failures"]))
    results[0].goal = "0 errors, stock check clean"
    context = {
        "database": "postgresql", "seconds": seconds, "wall_seconds": round(wall, 2),
        "warmup_seconds": WARMUP_SECONDS, "clients": CLIENTS, "workers": WORKERS,
        "worker_class": "gthread", "threads": THREADS, "cpus": os.cpu_count(),
        "products": PRODUCTS, "mix": dict(MIX), "wms_steps": list(STEPS),
        "wms_pool_fulfilments": len(data["fulfillments"]), "pool_setup_seconds":
        data["pool_seconds"], "wms_pool_exhausted": outcome["wms_pool_exhausted"],
        "requests_per_second": round(len(all_timings) / wall, 1), "errors": total_errors,
        "conflicts_409": conflicts,
        "client_cpu_seconds": round(outcome["client_cpu_seconds"], 2),
        "stock_check": "clean" if stock_clean else f"{len(differences)} differences",
        "transport": "HTTP/1.1 keep-alive, loopback; load generator in its own process"}
    report("mixed", results, context)
    print(f"stock check after the load: {context['stock_check']}; "
          f"{context['requests_per_second']} requests/s, {total_errors} errors, "
          f"{conflicts} conflicts (409)")
    for failure in outcome["failures"][:5]:
        print(f"  {failure}")
    return context


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=SECONDS)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL",
                                                             DEFAULT_URL))
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        _client_main()
    else:
        run(args.database, args.seconds)


if __name__ == "__main__":
    main()
