"""The scheduler's table: every registered job's default schedule (given with its one
registration line in ``portal/jobs/registry.py``) merged with what admins set in the
portal (``JobSetting``: switched off, or a cron line / interval of their own).

Built-in defaults (times in ``OMS_TIMEZONE``):

=====================  ==============  ===========================================
job                    default         what
=====================  ==============  ===========================================
reservation_expiry     every 60 s      unpaid orders past their time are cancelled
outbox                 every 60 s      customer e-mails that are due are sent
pickups_expire         every 3600 s    uncollected Click & Collect orders cancelled
late_deliveries        06:00 daily     late incoming deliveries listed
stock_check            03:30 nightly   stock levels compared with the ledger
=====================  ==============  ===========================================
"""

from __future__ import annotations

from portal.jobs.schedules import Planned, Schedule, planned_jobs

POLL_SECONDS = 3            # "Run now" starts within this
SYNC_SECONDS = 10           # an admin's schedule change applies within this
MISFIRE_GRACE_SECONDS = 300  # a run missed by less (busy or paused process) still runs
WORKERS = 8                 # jobs that may run at the same time (each job once)

JOB_DEFAULTS = {"max_instances": 1, "coalesce": True,
                "misfire_grace_time": MISFIRE_GRACE_SECONDS}


def table() -> dict[str, Schedule]:
    """Job name → the schedule it runs on, for the jobs switched on that have one."""
    return {planned.name: planned.schedule for planned in planned_jobs() if planned.active}


def plan() -> list[Planned]:
    """Every job with default, override and switch (for ``python -m jobs list``)."""
    return planned_jobs()
