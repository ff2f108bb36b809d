"""``python -m tests.bench [NAME ...]``: every benchmark (or only the named ones:
``portal``, ``inventory``, ``orders``, ``sourcing``, ``labels``, ``replenishment``,
``feeds``, ``mixed``) on SQLite, and on PostgreSQL when BENCH_DATABASE_URL names one
(``make bench`` sets it to the local test server; ``mixed`` runs on PostgreSQL only).
At the end every saved suite is printed in one table and ``bench/results/summary.json``
is written (``python -m tests.bench summary`` does only that)."""

from __future__ import annotations

import os
import sys

from tests.bench import (
    bench_feeds,
    bench_inventory,
    bench_labels,
    bench_mixed,
    bench_orders,
    bench_portal,
    bench_replenishment,
    bench_sourcing,
    summary,
)

SUITES = {"portal": bench_portal, "inventory": bench_inventory, "orders": bench_orders,
          "sourcing": bench_sourcing, "labels": bench_labels,
          "replenishment": bench_replenishment, "feeds": bench_feeds,
          "mixed": bench_mixed}


def main(names: list[str]) -> None:
    if names == ["summary"]:
        summary.write_summary()
        return
    unknown = [name for name in names if name not in SUITES]
    if unknown:
        sys.exit(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(SUITES)}")
    for name in names or SUITES:
        suite = SUITES[name]
        suite.run()
        if url := os.environ.get("BENCH_DATABASE_URL"):
            suite.run(url)
    summary.write_summary()


if __name__ == "__main__":
    main(sys.argv[1:])
