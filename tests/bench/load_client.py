"""The load generator of the orders benchmark, run as its own process so that it does
not share an interpreter (or its GIL) with the server or the harness.

``python -m tests.bench.load_client`` reads its settings as JSON on stdin and writes
the result as JSON on stdout. It imports nothing but the standard library; each client
thread keeps one HTTP/1.1 connection open (``http.client`` reconnects by itself when
the server closes it, as gunicorn's sync workers do after every response).
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time


def order_body(n: int, skus: list[str]) -> bytes:
    """The n-th benchmark order: 3 lines, home delivery, paid through the sandbox."""
    lines = [{"sku": skus[(n + i * 7) % len(skus)], "quantity": 1} for i in range(3)]
    return json.dumps({
        "channel": "web", "customer": {"name": f"Bench {n}", "email": f"b{n}@example.com"},
        "shipping_address": {"name": f"Bench {n}", "street": "Teststraße 1",
                             "postcode": "34123", "city": "Kassel", "country": "DE"},
        "delivery": {"method": "home"}, "lines": lines,
        "payment": {"provider": "sandbox"}}).encode()


def post_orders(settings: dict, first: int, count: int) -> dict:
    """POST orders ``first`` .. ``first + count - 1`` over ``settings["clients"]``
    connections; latencies in ms, statuses by code, a few failure texts."""
    counter, lock = iter(range(first, first + count)), threading.Lock()
    timings: list[float] = []
    statuses: dict[str, int] = {}
    failures: list[str] = []
    headers = {"Authorization": f"Bearer {settings['key']}",
               "Content-Type": "application/json"}

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", settings["port"], timeout=30)
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                connection.close()
                return
            body = order_body(n, settings["skus"])
            started = time.perf_counter()
            try:
                connection.request("POST", "/api/v1/orders", body,
                                   {**headers, "Idempotency-Key": f"{settings['run']}-{n}"})
                response = connection.getresponse()
                response.read()
                status = str(response.status)
            except (OSError, http.client.HTTPException) as error:
                connection.close()  # reconnect on the next request
                status, detail = "error", f"{type(error).__name__}: {error}"
            else:
                detail = "" if status == "201" else f"HTTP {status}"
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                timings.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
                if detail and len(failures) < 5:
                    failures.append(detail)

    threads = [threading.Thread(target=client) for _ in range(settings["clients"])]
    cpu, started = time.process_time(), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"timings_ms": timings, "statuses": statuses, "failures": failures,
            "wall_seconds": time.perf_counter() - started,
            "client_cpu_seconds": time.process_time() - cpu}


def main() -> None:
    settings = json.load(sys.stdin)
    if settings.get("warmup"):  # every worker imports, connects and caches first
        post_orders(settings, 10**8, settings["warmup"])
    json.dump(post_orders(settings, 0, settings["orders"]), sys.stdout)


if __name__ == "__main__":
    main()
