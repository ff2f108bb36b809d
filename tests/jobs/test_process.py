"""``python -m jobs``: one job by hand, the list, and the scheduler process stopping
gracefully on SIGTERM (a running job finishes first)."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

from jobs.process import JobsProcess
from portal.db import db, local_today, utcnow
from portal.inventory.models import IncomingStock
from portal.jobs.models import JobRun
from portal.jobs.runner import HOST, queue_run
from tests.inventory.conftest import make_product
from tests.jobs.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]


def _env(app, tmp_path) -> dict:
    """The test database for the child process; nothing written into the repository."""
    return {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"],
            "SECRET_KEY": "test-only-not-secret", "OMS_INSTANCE_DIR": str(tmp_path),
            "MAIL_BACKEND": "console"}


def _jobs(app, tmp_path, *args, timeout: float = 60) -> subprocess.CompletedProcess:
    db.close()  # nothing of ours holds SQLite's lock while the child works
    return subprocess.run([sys.executable, "-m", "jobs", *args], cwd=ROOT,  # noqa: S603
                          env=_env(app, tmp_path), capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_run_one_job_by_hand_prints_what_it_did(app, ctx, stores, tmp_path):
    IncomingStock.create(product=make_product("JKT-1"), location=stores["WH"], quantity=3,
                         expected_on=local_today() - timedelta(days=2),
                         source="supplier_order", reference="PO-4711")

    done = _jobs(app, tmp_path, "run", "late_deliveries")

    assert done.returncode == 0, done.stderr
    assert "late_deliveries: run" in done.stdout and "succeeded" in done.stdout
    assert "rows read 1, rows changed 0, errors 1" in done.stdout
    assert "PO-4711" in done.stdout
    run = JobRun.get(JobRun.job == "late_deliveries")
    assert (run.status, run.trigger) == ("succeeded", "cli")
    assert run.triggered_by.startswith("cli:") and run.pid != os.getpid()


def test_an_unknown_job_or_a_running_one_exits_non_zero(app, ctx, tmp_path):
    JobRun.create(job="stock_check", status="running", trigger="schedule", pid=os.getpid(),
                  host=HOST, started_at=utcnow())

    unknown = _jobs(app, tmp_path, "run", "no_such_job")
    busy = _jobs(app, tmp_path, "run", "stock_check")

    assert unknown.returncode == 2 and "stock_check" in unknown.stderr
    assert busy.returncode == 1 and "still running" in busy.stderr


def test_list_shows_every_job_with_its_schedule(app, ctx, tmp_path):
    listed = _jobs(app, tmp_path, "list")

    assert listed.returncode == 0, listed.stderr
    assert "late_deliveries" in listed.stdout and "0 6 * * *" in listed.stdout
    assert "outbox" in listed.stdout and "never run" in listed.stdout


def test_the_scheduler_process_runs_what_is_queued_and_stops_on_sigterm(app, ctx, users,
                                                                        tmp_path):
    queued = queue_run("late_deliveries", users["manager"])
    db.close()
    process = subprocess.Popen([sys.executable, "-m", "jobs"], cwd=ROOT,
                               env=_env(app, tmp_path), stderr=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr],
                     daemon=True).start()
    try:
        _wait_for_line(lines, "jobs process", "started", timeout=30)
        wait_for(lambda: JobRun.get_by_id(queued.id).status == "succeeded", timeout=20)
        db.close()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _wait_for_line(lines: queue.Queue, *words: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if all(word in line for word in words):
            return line
    raise AssertionError(f"no line with {words} in time")


def test_sigterm_lets_the_running_job_finish(app, ctx, users, test_job):
    began = threading.Event()

    def slow(job_ctx):
        began.set()
        time.sleep(1.0)
        job_ctx.changed(1)

    test_job("slow_job", slow)
    queued = queue_run("slow_job", users["admin"])
    db.close()
    jobs = JobsProcess(app, poll_seconds=0.05)
    threading.Thread(target=lambda: began.wait(10) and os.kill(os.getpid(), signal.SIGTERM),
                     daemon=True).start()
    previous = signal.getsignal(signal.SIGTERM)

    assert jobs.run() == 0

    run = JobRun.get_by_id(queued.id)
    assert (run.status, run.rows_changed) == ("succeeded", 1)
    assert signal.getsignal(signal.SIGTERM) is previous
