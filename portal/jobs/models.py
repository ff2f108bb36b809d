"""Job runs (the history the portal shows) and the admins' per-job settings."""

from __future__ import annotations

import json

import peewee as pw

from portal.db import BaseModel, utcnow
from portal.jobs.status import FINISHED, RunStatus


class JobRun(BaseModel):
    """One run of a job: who started it, when, what it read and changed, its errors.

    At most one run per job is ``running`` and at most one ``queued`` (unique partial
    indexes, created by migration 022 the same way), so two processes never run the same
    job at once and "Run now" pressed twice queues one run.
    """

    job = pw.CharField(max_length=60)
    status = pw.CharField(max_length=10, default=RunStatus.QUEUED.value, index=True)
    trigger = pw.CharField(max_length=10)
    triggered_by = pw.CharField(max_length=160, default="")
    created_at = pw.DateTimeField(default=utcnow, index=True)
    started_at = pw.DateTimeField(null=True)
    finished_at = pw.DateTimeField(null=True)
    rows_read = pw.IntegerField(default=0)
    rows_changed = pw.IntegerField(default=0)
    error_count = pw.IntegerField(default=0)
    errors = pw.TextField(default="[]")  # JSON: the context's first 1000 {line, message}
    done = pw.IntegerField(default=0)
    total = pw.IntegerField(null=True)
    message = pw.TextField(default="")   # progress, then the outcome (a failure's reason)
    pid = pw.IntegerField(null=True)
    host = pw.CharField(max_length=255, default="")

    class Meta:
        table_name = "job_run"
        indexes = ((("job", "created_at"), False),)

    @property
    def error_list(self) -> list[dict]:
        """The stored error report: ``[{"line": int | None, "message": str}, ...]``."""
        try:
            return json.loads(self.errors or "[]")
        except ValueError:
            return []

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def seconds(self) -> float | None:
        """How long it ran (so far, while running)."""
        if self.started_at is None:
            return None
        return ((self.finished_at or utcnow()) - self.started_at).total_seconds()


JobRun.add_index(JobRun.index(JobRun.job, unique=True, name="job_run_one_running",
                              where=(JobRun.status == RunStatus.RUNNING.value)))
JobRun.add_index(JobRun.index(JobRun.job, unique=True, name="job_run_one_queued",
                              where=(JobRun.status == RunStatus.QUEUED.value)))


class JobSetting(BaseModel):
    """An admin's choice for one job: switched off, or another schedule than the
    default (a cron line or an interval in seconds; both empty: the default)."""

    job = pw.CharField(max_length=60, unique=True)
    enabled = pw.BooleanField(default=True)
    cron = pw.CharField(max_length=120, default="")
    interval_seconds = pw.IntegerField(null=True)
    updated_by = pw.CharField(max_length=160, default="")
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "job_setting"


MODELS = [JobRun, JobSetting]
