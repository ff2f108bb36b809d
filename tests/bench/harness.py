"""A small benchmark harness: time a callable, summarise percentiles, print and save."""

from __future__ import annotations

import json
import platform
import statistics
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parents[2] / "bench" / "results"


@dataclass
class Result:
    name: str
    samples: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    per_second: float
    goal: str = ""
    meets_goal: bool | None = None
    notes: dict = field(default_factory=dict)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def measure(name: str, func, samples: int = 200, warmup: int = 10, goal: str = "",
            goal_p95_ms: float | None = None) -> Result:
    """Call ``func`` ``samples`` times after a warm-up; return latency percentiles."""
    for _ in range(warmup):
        func()
    timings = []
    for _ in range(samples):
        start = time.perf_counter()
        func()
        timings.append((time.perf_counter() - start) * 1000)
    p95 = percentile(timings, 95)
    return Result(name=name, samples=samples, p50_ms=round(statistics.median(timings), 3),
                  p95_ms=round(p95, 3), p99_ms=round(percentile(timings, 99), 3),
                  per_second=round(1000 / statistics.fmean(timings), 1), goal=goal,
                  meets_goal=None if goal_p95_ms is None else p95 <= goal_p95_ms)


def bulk_load(table: str, columns: tuple[str, ...], rows) -> None:
    """Many rows at once in one transaction: COPY on PostgreSQL, a prepared INSERT
    (executemany) on SQLite. ``rows`` may be a generator."""
    from portal.db import db, is_sqlite, transaction

    with transaction():
        cursor = db.cursor()
        if is_sqlite():
            marks = ", ".join("?" * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                               f"VALUES ({marks})", rows)
            return
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def report(suite: str, results: list[Result], context: dict) -> Path:
    """Print a table and write ``bench/results/<suite>.json``; return the file path."""
    header = f"{'benchmark':44} {'n':>5} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'/s':>8}  goal"
    print(f"\n== {suite} ({context.get('database', '')}) ==")
    print(header)
    print("-" * len(header))
    for r in results:
        verdict = "" if r.meets_goal is None else (" ok" if r.meets_goal else " MISSED")
        print(f"{r.name:44} {r.samples:5d} {r.p50_ms:9.2f} {r.p95_ms:9.2f} {r.p99_ms:9.2f} "
              f"{r.per_second:8.1f}  {r.goal}{verdict}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{suite}.json"
    path.write_text(json.dumps({
        "suite": suite, "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "context": context, "results": [asdict(r) for r in results]}, indent=2))
    print(f"written {path}")
    return path
