"""Read models of the jobs screen: the latest run per job, the run history."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from portal.jobs.models import JobRun
from portal.jobs.registry import JOBS


def last_runs() -> dict[str, JobRun]:
    """Job name → its newest run (one indexed lookup per registered job)."""
    latest = {}
    for name in JOBS:
        run = (JobRun.select().where(JobRun.job == name)
               .order_by(JobRun.created_at.desc(), JobRun.id.desc()).first())
        if run is not None:
            latest[name] = run
    return latest


def runs(job: str = "", status: str = "", since: date | None = None,
         timezone: str = "Europe/Berlin"):
    """Runs newest first, filtered by job, status and the local day they began from."""
    query = JobRun.select().order_by(JobRun.id.desc())
    if job:
        query = query.where(JobRun.job == job)
    if status:
        query = query.where(JobRun.status == status)
    if since is not None:
        start = datetime(since.year, since.month, since.day, tzinfo=ZoneInfo(timezone))
        query = query.where(JobRun.created_at >= start.astimezone(UTC).replace(tzinfo=None))
    return query
