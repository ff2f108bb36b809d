"""Running a job: claim a ``JobRun`` row, call the job with a ``JobContext``, record the
outcome.

- ``run_job(name, trigger, actor)`` inserts the run as ``running``. The unique partial
  index ``job_run_one_running`` refuses a second running row of the same job, on SQLite
  and PostgreSQL alike, so two processes (scheduler, ``python -m jobs run``, the poller)
  never overlap: the loser gets ``AlreadyRunning`` and nothing is written. The scheduler
  logs it as skipped, the command line exits 1, a queued run stays queued.
- Progress is saved by a thread of its own (own connection, single-statement writes),
  never inside the job's transaction.
- The outcome is written in ``finally``: a run this process can see fail never stays
  ``running``. A run left ``running`` by a dead process (its pid gone on this host, or
  started more than ``JOB_STALE_HOURS`` ago) is marked failed before a new one starts.
- ``queue_run`` is the portal's "Run now": a ``queued`` row (one per job) that the jobs
  process picks up with ``run_queued`` every few seconds.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from datetime import timedelta

import peewee
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from portal.audit.services import actor_label, record_audit
from portal.db import db, transaction, utcnow
from portal.errors import DomainError
from portal.jobs.context import JobContext
from portal.jobs.models import JobRun
from portal.jobs.registry import JOBS, Job, get_job
from portal.jobs.status import RunStatus, Trigger

log = logging.getLogger("jobs")
HOST = socket.gethostname()[:255]
PROGRESS_SECONDS = 1.0


class AlreadyRunning(DomainError):
    """Another run of the job is running; this one was not started."""

    code = "already_running"
    status = 409

    def __init__(self, name: str, running: JobRun | None):
        super().__init__(str(_l("Job %(name)s is already running.", name=name)))
        self.running = running


def run_job(name: str, trigger: str = Trigger.MANUAL, actor=None) -> JobRun:
    """Run job ``name`` now, in this thread; return its finished run.

    Raises ``AlreadyRunning`` (nothing written) while another run of it is running,
    ``NotFound`` for an unknown name. The job's own exceptions are recorded (status
    failed, the message in the run) and not raised.
    """
    if db.in_transaction():
        raise RuntimeError("run_job claims its run in a transaction of its own; call it outside")
    job = get_job(name)
    recover_stale(name)
    now = utcnow()
    try:
        with transaction():
            run = JobRun.create(job=name, status=RunStatus.RUNNING, trigger=trigger,
                                triggered_by=_label(actor), created_at=now, started_at=now,
                                pid=os.getpid(), host=HOST)
    except peewee.IntegrityError:
        raise AlreadyRunning(name, _running(name)) from None
    return _execute(job, run)


def queue_run(name: str, actor) -> JobRun:
    """Ask the jobs process to run ``name`` soon; a run already queued is returned
    instead of a second one."""
    get_job(name)
    for _attempt in range(3):
        try:
            with transaction():
                run = JobRun.create(job=name, status=RunStatus.QUEUED,
                                    trigger=Trigger.MANUAL, triggered_by=_label(actor))
                record_audit(actor, "job.queued", run, job=name)
            return run
        except peewee.IntegrityError:
            queued = JobRun.get_or_none(JobRun.job == name, JobRun.status == RunStatus.QUEUED)
            if queued is not None:  # else it was started meanwhile: queue another
                return queued
    raise RuntimeError(f"job {name}: no run could be queued")


def run_queued(stop: threading.Event | None = None) -> list[JobRun]:
    """Run the queued runs oldest first (the jobs process's poller); a run whose job is
    running elsewhere stays queued for the next call. Returns the runs finished."""
    recover_stale()
    finished = []
    for queued in list(JobRun.select().where(JobRun.status == RunStatus.QUEUED)
                       .order_by(JobRun.id)):
        if stop is not None and stop.is_set():
            break
        job = JOBS.get(queued.job)
        if job is None:
            _close(queued.id, RunStatus.CANCELLED, str(_l("unknown job")), RunStatus.QUEUED)
            continue
        try:
            run = _claim_queued(queued)
        except AlreadyRunning:
            continue
        if run is not None:
            finished.append(_execute(job, run))
    return finished


def recover_stale(name: str | None = None) -> int:
    """Mark failed the ``running`` runs whose process is gone (same host, pid not
    alive) or that started more than ``JOB_STALE_HOURS`` ago; return how many."""
    now = utcnow()
    cutoff = now - timedelta(hours=_stale_hours())
    query = JobRun.select().where(JobRun.status == RunStatus.RUNNING)
    if name is not None:
        query = query.where(JobRun.job == name)
    recovered = 0
    for run in list(query):
        if run.started_at is not None and run.started_at < cutoff:
            reason = str(_l("abandoned: running since %(since)s UTC",
                            since=f"{run.started_at:%Y-%m-%d %H:%M}"))
        elif run.host == HOST and run.pid and not _alive(run.pid):
            reason = str(_l("abandoned: process %(pid)s on %(host)s is gone", pid=run.pid,
                            host=run.host))
        else:
            continue
        if _close(run.id, RunStatus.FAILED, reason, RunStatus.RUNNING):
            log.warning("job %s run %s %s", run.job, run.id, reason)
            recovered += 1
    return recovered


def _claim_queued(queued: JobRun) -> JobRun | None:
    """Move a queued run to running; None when another poller took it first."""
    now = utcnow()
    try:
        with transaction():
            claimed = (JobRun.update(status=RunStatus.RUNNING, started_at=now,
                                     pid=os.getpid(), host=HOST)
                       .where(JobRun.id == queued.id, JobRun.status == RunStatus.QUEUED)
                       .execute())
    except peewee.IntegrityError:
        raise AlreadyRunning(queued.job, _running(queued.job)) from None
    return JobRun.get_by_id(queued.id) if claimed else None


def _execute(job: Job, run: JobRun) -> JobRun:
    saver = ProgressSaver(run.id)
    ctx = JobContext(on_progress=saver.offer, every=PROGRESS_SECONDS)
    log.info("job %s run %s started (%s%s)", job.name, run.id, run.trigger,
             f" by {run.triggered_by}" if run.triggered_by else "")
    status, message = RunStatus.FAILED, str(_l("interrupted"))
    try:
        job.function()(ctx)
        status, message = RunStatus.SUCCEEDED, ctx.message
    except Exception as error:  # noqa: BLE001 - any failure of the job is its run's outcome
        log.exception("job %s run %s failed", job.name, run.id)
        message = f"{type(error).__name__}: {error}"[:2000]
        ctx.error(message)
    finally:  # also on KeyboardInterrupt / SystemExit: the row must not stay running
        saver.stop()
        _finish(run.id, ctx, status, message)
    finished = JobRun.get_by_id(run.id)
    log.info("job %s run %s %s in %.1f s: read %s, changed %s, errors %s", job.name, run.id,
             finished.status, finished.seconds or 0, finished.rows_read,
             finished.rows_changed, finished.error_count)
    return finished


def _finish(run_id: int, ctx: JobContext, status: str, message: str) -> None:
    """Write the outcome (one retry on a fresh connection: the job may have broken it)."""
    values = {"status": status, "finished_at": utcnow(), "rows_read": ctx.rows_read,
              "rows_changed": ctx.rows_changed, "error_count": ctx.error_count,
              "errors": json.dumps(ctx.errors, default=str), "done": ctx.done,
              "total": ctx.total, "message": message}
    for attempt in (1, 2):
        try:
            JobRun.update(**values).where(JobRun.id == run_id).execute()
            return
        except peewee.DatabaseError:
            if attempt == 2:
                log.exception("job run %s: the outcome could not be saved", run_id)
                raise
            db.close()


def _close(run_id: int, status: str, reason: str, expected: str) -> bool:
    return bool(JobRun.update(status=status, finished_at=utcnow(), message=reason)
                .where(JobRun.id == run_id, JobRun.status == expected).execute())


def _running(name: str) -> JobRun | None:
    return JobRun.get_or_none(JobRun.job == name, JobRun.status == RunStatus.RUNNING)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, but alive
    return True


def _label(actor) -> str:
    return "" if actor is None else actor_label(actor)[:160]


def _stale_hours() -> float:
    return float(current_app.config.get("JOB_STALE_HOURS", 6)) if has_app_context() else 6.0


class ProgressSaver:
    """Saves a run's progress from a thread of its own, so the write never joins the
    job's transaction (and never waits for it: on SQLite a job holding the write lock
    delays only this thread). Only the latest report is kept."""

    def __init__(self, run_id: int):
        self.run_id = run_id
        self._latest: dict | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def offer(self, ctx: JobContext) -> None:
        """The context's ``on_progress``: remember a snapshot, wake the writer."""
        with self._lock:
            self._latest = {"done": ctx.done, "total": ctx.total, "message": ctx.message,
                            "rows_read": ctx.rows_read, "rows_changed": ctx.rows_changed,
                            "error_count": ctx.error_count}
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, daemon=True,
                                                name=f"job-progress-{self.run_id}")
                self._thread.start()
        self._wake.set()

    def stop(self, timeout: float = 30) -> None:
        """Write what is left and end the thread."""
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            with self._lock:
                snapshot, self._latest = self._latest, None
            if snapshot:
                self._save(snapshot)
            if self._stopping:
                return

    def _save(self, snapshot: dict) -> None:
        try:
            (JobRun.update(**snapshot)
             .where(JobRun.id == self.run_id, JobRun.status == RunStatus.RUNNING).execute())
        except peewee.DatabaseError as error:  # locked or gone: the next report tries again
            log.debug("job run %s: progress not saved: %s", self.run_id, error)
        finally:
            if not db.is_closed():
                db.close()
