"""The long-running jobs process: APScheduler's ``BlockingScheduler`` runs each job on
its schedule (``max_instances=1``, ``coalesce``, misfire grace), a poller thread starts
the runs queued by the portal's "Run now", and SIGTERM / SIGINT stop it gracefully:
nothing new starts, running jobs finish, then the process exits 0 (a second signal
exits at once; its interrupted run is marked failed before the job's next run).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from jobs import schedule
from portal.db import db
from portal.jobs.runner import AlreadyRunning, recover_stale, run_job, run_queued
from portal.jobs.schedules import Schedule
from portal.jobs.status import Trigger

log = logging.getLogger("jobs")
SYNC_ID = "_sync_schedules"


class JobsProcess:
    """The scheduler, its schedule kept in step with the portal, and the poller."""

    def __init__(self, app: Flask, poll_seconds: float = schedule.POLL_SECONDS):
        self.app = app
        self.timezone = app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Berlin")
        self.poll_seconds = poll_seconds
        self.stopping = threading.Event()
        self.scheduler = BlockingScheduler(
            timezone=self.timezone, job_defaults=schedule.JOB_DEFAULTS,
            executors={"default": ThreadPoolExecutor(schedule.WORKERS)})
        self.installed: dict[str, Schedule] = {}
        self.poller = threading.Thread(target=self._poll_loop, name="jobs-poller")
        self._stopper: threading.Thread | None = None
        self._lock = threading.Lock()
        self._starting = False  # set once the main thread decided to start the scheduler

    def run(self) -> int:
        """Block until stopped by a signal; return the exit code."""
        # SIGINT stays ignored when the parent said so: `make run` starts us in the
        # background, so Ctrl-C reaches only the web server and its trap sends SIGTERM.
        previous = {signum: signal.signal(signum, self._on_signal)
                    for signum in (signal.SIGTERM, signal.SIGINT)
                    if signal.getsignal(signum) is not signal.SIG_IGN}
        try:
            return self._run()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _run(self) -> int:
        with self.app.app_context():
            recover_stale()
            self.sync()
            db.close()
        self.scheduler.add_job(self._sync_job, IntervalTrigger(seconds=schedule.SYNC_SECONDS),
                               id=SYNC_ID, name=SYNC_ID)
        self.poller.start()
        log.info("jobs process %s started: %s", os.getpid(),
                 ", ".join(f"{name} ({plan.text})" for name, plan in self.installed.items())
                 or "nothing scheduled")
        with self._lock:
            self._starting = not self.stopping.is_set()
        if self._starting:
            self.scheduler.start()  # returns after shutdown
        self.stopping.set()
        self.poller.join()
        if self._stopper is not None:
            self._stopper.join()
        log.info("jobs process %s stopped", os.getpid())
        return 0

    def sync(self) -> None:
        """Add, change or remove scheduled jobs to match ``schedule.table()``."""
        wanted = schedule.table()
        for name, plan in wanted.items():
            if self.installed.get(name) == plan:
                continue
            try:
                trigger = plan.trigger(self.timezone)
            except ValueError as error:
                log.error("job %s: schedule %r refused: %s", name, plan.text, error)
                continue
            if name in self.installed:
                self.scheduler.reschedule_job(name, trigger=trigger)
                log.info("job %s now runs on %s", name, plan.text)
            else:
                self.scheduler.add_job(self._run_scheduled, trigger, args=[name], id=name,
                                       name=name, replace_existing=True)
            self.installed[name] = plan
        for name in set(self.installed) - set(wanted):
            self.scheduler.remove_job(name)
            del self.installed[name]
            log.info("job %s is no longer scheduled", name)

    def _run_scheduled(self, name: str) -> None:
        with self.app.app_context():
            try:
                run_job(name, Trigger.SCHEDULE)
            except AlreadyRunning as error:
                log.info("job %s skipped: already running (run %s)", name,
                         error.running.id if error.running else "?")
            finally:
                db.close()

    def _sync_job(self) -> None:
        with self.app.app_context():
            try:
                self.sync()
            finally:
                db.close()

    def _poll_loop(self) -> None:
        while not self.stopping.wait(self.poll_seconds):
            with self.app.app_context():
                try:
                    run_queued(self.stopping)
                except Exception:  # noqa: BLE001 - keep polling (database restart, ...)
                    log.exception("queued runs: poll failed")
                finally:
                    db.close()

    def _on_signal(self, signum, _frame) -> None:
        if self.stopping.is_set() and self._stopper is not None:
            log.warning("second %s: exiting now", signal.Signals(signum).name)
            os._exit(1)
        log.info("%s: stopping after the running jobs finish",
                 signal.Signals(signum).name)
        self.stopping.set()
        # Not in the handler: shutdown(wait=True) waits for the running jobs, and the
        # handler interrupts the main thread, which the scheduler's loop runs in.
        self._stopper = threading.Thread(target=self._shutdown, name="jobs-shutdown",
                                         daemon=True)
        self._stopper.start()

    def _shutdown(self) -> None:
        while True:  # a signal right at start-up: wait until the scheduler runs
            with self._lock:
                if not self._starting:
                    return  # the main thread will not start it
            try:
                self.scheduler.shutdown(wait=True)
                return
            except SchedulerNotRunningError:
                time.sleep(0.05)
