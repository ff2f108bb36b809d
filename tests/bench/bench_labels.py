"""Issue #7's label figure: 1,000 4x6 labels in one PDF with Code128 + QR + SSCC
(GS1-128), and the same labels with the Code128 tracking barcode only, side by side
(goal: the full labels take at most twice as long); pages per second. Also, for
reference, the same 1,000 labels on A4 (four a page) and as ZPL.

No database: the labels' numbers come from serials (``tests/shipping/samples.py``). The
runs alternate (baseline, full, baseline, full, ...) after a warm-up; the figures are
the process's CPU seconds per run (median), which a busy shared machine disturbs far less
than the wall clock; the wall-clock median is in each row's notes.
"""

from __future__ import annotations

import statistics
import time

from portal.shipping.labels import render_4x6, render_a4, render_zpl
from tests.bench.harness import Result, percentile, report
from tests.shipping.samples import sample_labels

LABELS = 1000
RUNS = 5


def _result(name: str, runs: list[tuple[float, float]], pages: int, goal: str = "",
            meets: bool | None = None, **notes) -> Result:
    timings = [cpu for cpu, _ in runs]
    median = statistics.median(timings)
    return Result(name, len(timings), round(median * 1000, 1),
                  round(percentile(timings, 95) * 1000, 1),
                  round(percentile(timings, 99) * 1000, 1),
                  round(pages / median, 1), goal, meets,
                  {"labels": LABELS, "pages": pages, "cpu_median_s": round(median, 3),
                   "wall_median_s": round(statistics.median(w for _, w in runs), 3), **notes})


def _time(render) -> tuple[tuple[float, float], int]:
    """(CPU seconds, wall seconds) of one ``render()``, and the output's size."""
    cpu, wall = time.process_time(), time.perf_counter()
    output = render()
    return (time.process_time() - cpu, time.perf_counter() - wall), len(output)


def run(url: str | None = None) -> None:
    """Print and save the figures. ``url`` (the PostgreSQL pass of ``python -m
    tests.bench``) is ignored: labels touch no database, one pass says it all."""
    if url:
        return
    labels = sample_labels(LABELS)
    variants = {
        "code128": lambda: render_4x6(labels, qr=False, sscc=False),
        "full": lambda: render_4x6(labels),
    }
    for render in variants.values():  # warm-up: imports, font metrics, QR layouts
        render()
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    sizes: dict[str, int] = {}
    for _ in range(RUNS):
        for name, render in variants.items():
            seconds, sizes[name] = _time(render)
            timings[name].append(seconds)
    baseline = statistics.median(cpu for cpu, _ in timings["code128"])
    full = statistics.median(cpu for cpu, _ in timings["full"])
    ratio = round(full / baseline, 2)
    a4 = [_time(lambda: render_a4(labels))[0] for _ in range(3)]
    zpl = [_time(lambda: render_zpl(labels))[0] for _ in range(3)]
    results = [
        _result(f"4x6 PDF, Code128 only, {LABELS} labels", timings["code128"], LABELS,
                bytes=sizes["code128"]),
        _result(f"4x6 PDF, Code128 + QR + SSCC, {LABELS} labels", timings["full"], LABELS,
                goal="<= 2x Code128 only", meets=full <= 2 * baseline, ratio=ratio,
                bytes=sizes["full"]),
        _result(f"A4 PDF (4 a page), full, {LABELS} labels", a4, LABELS // 4),
        _result(f"ZPL, full, {LABELS} labels", zpl, LABELS),
    ]
    print(f"full / Code128-only: {ratio}x")
    report("labels", results, {"database": "none (no database needed)", "labels": LABELS,
                               "runs": RUNS, "ratio_full_to_code128": ratio})


if __name__ == "__main__":
    run()
