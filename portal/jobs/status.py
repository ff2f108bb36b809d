"""The states of a job run and what started it."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class RunStatus(StrEnum):
    QUEUED = "queued"        # "Run now" asked for it; the jobs process picks it up
    RUNNING = "running"      # at most one per job (a unique partial index)
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED = frozenset({RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED})


class Trigger(StrEnum):
    SCHEDULE = "schedule"
    MANUAL = "manual"        # the portal's "Run now"
    CLI = "cli"              # python -m jobs run NAME


STATUS_LABELS = {
    RunStatus.QUEUED: _l("Queued"),
    RunStatus.RUNNING: _l("Running"),
    RunStatus.SUCCEEDED: _l("Succeeded"),
    RunStatus.FAILED: _l("Failed"),
    RunStatus.CANCELLED: _l("Cancelled"),
}

TRIGGER_LABELS = {
    Trigger.SCHEDULE: _l("Schedule"),
    Trigger.MANUAL: _l("Run now"),
    Trigger.CLI: _l("Command line"),
}
