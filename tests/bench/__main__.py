"""``python -m tests.bench``: every benchmark on SQLite, and on PostgreSQL when
BENCH_DATABASE_URL names one (``make bench`` sets it to the local test server)."""

from __future__ import annotations

import os

from tests.bench import bench_inventory, bench_orders, bench_portal

SUITES = (bench_portal, bench_inventory, bench_orders)


def main() -> None:
    for suite in SUITES:
        suite.run()
        if url := os.environ.get("BENCH_DATABASE_URL"):
            suite.run(url)


if __name__ == "__main__":
    main()
