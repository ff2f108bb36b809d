"""The combined report: every suite's newest result file (``bench/results/<suite>.json``)
in one table, and in ``bench/results/summary.json`` with each goal's verdict."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.bench.harness import RESULTS_DIR

SUMMARY = "summary.json"


def collect() -> list[dict]:
    """One row per benchmark of every saved suite, suites in name order."""
    rows = []
    for path in sorted(RESULTS_DIR.glob("*.json")):
        if path.name == SUMMARY:
            continue
        data = json.loads(path.read_text())
        for result in data.get("results", []):
            rows.append({"suite": data["suite"], "at": data.get("at", ""),
                         "database": data.get("context", {}).get("database", ""),
                         **{key: result.get(key) for key in (
                             "name", "samples", "p50_ms", "p99_ms", "per_second", "goal",
                             "meets_goal")}})
    return rows


def write_summary() -> dict:
    """Print the combined table and write ``summary.json``; returns what was written."""
    rows = collect()
    goals = [row for row in rows if row["meets_goal"] is not None]
    summary = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "benchmarks": rows,
               "goals": len(goals), "goals_met": sum(1 for row in goals if row["meets_goal"]),
               "missed": [f"{row['suite']}: {row['name']}" for row in goals
                          if not row["meets_goal"]]}
    header = f"{'suite':24} {'benchmark':44} {'p50 ms':>10} {'p99 ms':>10} {'/s':>11}  goal"
    print("\n== all benchmarks ==")
    print(header)
    print("-" * len(header))
    for row in rows:
        verdict = "" if row["meets_goal"] is None else (" ok" if row["meets_goal"]
                                                         else " MISSED")
        print(f"{row['suite'][:24]:24} {row['name'][:44]:44} {row['p50_ms'] or 0:10.1f} "
              f"{row['p99_ms'] or 0:10.1f} {row['per_second'] or 0:11.1f}  "
              f"{row['goal'] or ''}{verdict}")
    print(f"{summary['goals_met']} of {summary['goals']} goals met")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / SUMMARY).write_text(json.dumps(summary, indent=2))
    print(f"written {RESULTS_DIR / SUMMARY}")
    return summary
