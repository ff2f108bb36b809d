"""run_job records each run; two runs of one job never overlap; abandoned runs are
recovered; queued runs are picked up by the poller."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta

import peewee
import pytest

from portal.audit.models import AuditEvent
from portal.db import db, transaction, utcnow
from portal.errors import NotFound
from portal.jobs.models import JobRun
from portal.jobs.runner import HOST, AlreadyRunning, queue_run, recover_stale, run_job, run_queued
from tests.inventory.test_concurrency import run_in_threads
from tests.jobs.conftest import wait_for


def test_a_successful_run_records_its_counts_errors_and_message(ctx, test_job):
    def work(job_ctx):
        job_ctx.read(3)
        job_ctx.changed(2)
        job_ctx.error("bad EAN", line=7)
        job_ctx.message = "all done"

    test_job("counting", work)

    run = run_job("counting", "cli", "someone")

    assert (run.status, run.trigger, run.triggered_by) == ("succeeded", "cli", "someone")
    assert (run.rows_read, run.rows_changed, run.error_count) == (3, 2, 1)
    assert run.error_list == [{"line": 7, "message": "bad EAN"}]
    assert run.message == "all done"
    assert run.started_at <= run.finished_at
    assert (run.pid, run.host) == (os.getpid(), HOST)


def test_a_failing_job_is_recorded_as_failed_with_the_exception(ctx, test_job):
    def work(job_ctx):
        job_ctx.read(5)
        raise RuntimeError("feed server said no")

    test_job("failing", work)

    run = run_job("failing", "schedule")

    assert run.status == "failed"
    assert run.message == "RuntimeError: feed server said no"
    assert run.rows_read == 5 and run.error_count == 1
    assert run.error_list[-1]["message"] == "RuntimeError: feed server said no"
    assert JobRun.select().where(JobRun.status == "running").count() == 0


def test_an_interrupted_run_does_not_stay_running(ctx, test_job):
    def work(_ctx):
        raise KeyboardInterrupt

    test_job("interrupted", work)

    with pytest.raises(KeyboardInterrupt):
        run_job("interrupted", "cli")

    run = JobRun.get(JobRun.job == "interrupted")
    assert (run.status, run.message) == ("failed", "interrupted")


def test_an_unknown_job_is_not_found(ctx):
    with pytest.raises(NotFound):
        run_job("no_such_job")
    assert JobRun.select().count() == 0


def test_progress_is_saved_while_the_job_runs(app, ctx, test_job):
    reported, release = threading.Event(), threading.Event()

    def work(job_ctx):
        job_ctx.progress(40, 100, "row 40", force=True)
        reported.set()
        release.wait(10)
        job_ctx.progress(100, force=True)

    test_job("progressing", work)
    runner = threading.Thread(target=_run_in_app, args=(app, "progressing"))
    runner.start()
    try:
        reported.wait(10)
        row = wait_for(lambda: JobRun.get_or_none(JobRun.job == "progressing",
                                                  JobRun.done == 40))
        assert (row.status, row.total, row.message) == ("running", 100, "row 40")
    finally:
        release.set()
        runner.join(10)
    assert JobRun.get(JobRun.job == "progressing").done == 100


def _run_in_app(app, name):
    with app.app_context():
        try:
            run_job(name, "cli")
        finally:
            db.close()


def test_two_concurrent_runs_of_one_job_never_overlap(app, ctx, test_job):
    lock, state = threading.Lock(), {"now": 0, "most": 0}

    def work(_ctx):
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        time.sleep(1.0)
        with lock:
            state["now"] -= 1

    test_job("exclusive", work)
    db.close()

    results = run_in_threads(app, lambda i: run_job("exclusive", "schedule"), 6)

    finished = [r for r in results if isinstance(r, JobRun)]
    refused = [r for r in results if isinstance(r, AlreadyRunning)]
    assert len(finished) == 1 and finished[0].status == "succeeded"
    assert len(refused) == 5, results
    assert all(r.running is None or r.running.id == finished[0].id for r in refused)
    assert state["most"] == 1
    assert JobRun.select().where(JobRun.job == "exclusive").count() == 1


def test_the_database_refuses_a_second_running_row_of_a_job(ctx):
    JobRun.create(job="stock_check", status="running", trigger="cli")
    JobRun.create(job="stock_check", status="succeeded", trigger="cli")
    JobRun.create(job="stock_check", status="succeeded", trigger="cli")
    JobRun.create(job="outbox", status="running", trigger="cli")

    with pytest.raises(peewee.IntegrityError), transaction():
        JobRun.create(job="stock_check", status="running", trigger="schedule")
    assert JobRun.select().where(JobRun.status == "running").count() == 2


def test_a_run_of_a_dead_process_is_marked_failed_before_the_next_run(ctx, test_job):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    test_job("recovering", lambda job_ctx: job_ctx.read(1))
    stale = JobRun.create(job="recovering", status="running", trigger="schedule",
                          started_at=utcnow(), pid=dead.pid, host=HOST)

    run = run_job("recovering", "cli")

    assert run.status == "succeeded"
    stale = JobRun.get_by_id(stale.id)
    assert stale.status == "failed" and stale.finished_at is not None
    assert f"process {dead.pid}" in stale.message


def test_a_run_started_too_long_ago_on_another_host_is_recovered(ctx):
    old = JobRun.create(job="outbox", status="running", trigger="schedule", pid=1,
                        host="elsewhere", started_at=utcnow() - timedelta(hours=7))
    alive = JobRun.create(job="stock_check", status="running", trigger="schedule",
                          pid=1, host="elsewhere", started_at=utcnow() - timedelta(hours=1))

    assert recover_stale() == 1

    assert JobRun.get_by_id(old.id).status == "failed"
    assert "abandoned" in JobRun.get_by_id(old.id).message
    assert JobRun.get_by_id(alive.id).status == "running"  # could still be working


def test_run_now_queues_one_run_that_the_poller_runs(ctx, test_job, users):
    test_job("queued_job", lambda job_ctx: job_ctx.changed(4))

    first = queue_run("queued_job", users["manager"])
    again = queue_run("queued_job", users["admin"])

    assert first.id == again.id and first.status == "queued"
    assert AuditEvent.get(AuditEvent.action == "job.queued").actor == users["manager"].email
    finished = run_queued()
    assert [run.id for run in finished] == [first.id]
    run = JobRun.get_by_id(first.id)
    assert (run.status, run.trigger, run.rows_changed) == ("succeeded", "manual", 4)
    assert run.triggered_by == users["manager"].email
    assert run_queued() == []


def test_a_queued_run_waits_while_its_job_runs_elsewhere(ctx, test_job, users):
    test_job("busy_job", lambda job_ctx: None)
    JobRun.create(job="busy_job", status="running", trigger="schedule",
                  started_at=utcnow(), pid=os.getpid(), host=HOST)
    queued = queue_run("busy_job", users["admin"])

    assert run_queued() == []
    assert JobRun.get_by_id(queued.id).status == "queued"
