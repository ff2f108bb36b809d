"""When a job runs: a cron line or an interval in seconds, checked the way the
scheduler will read it, and the next time it fires."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask_babel import lazy_gettext as _l

from portal.errors import DomainError

MIN_SECONDS, MAX_SECONDS = 10, 86400
MAX_CRON_LENGTH = 120
SECONDS = re.compile(r"[0-9]{1,9}")


class ScheduleInvalid(DomainError):
    """A schedule text that is neither a cron line nor an interval in range."""


@dataclass(frozen=True)
class Schedule:
    """Either ``cron`` (five fields, minute first) or ``seconds`` between runs."""

    cron: str = ""
    seconds: int | None = None

    def trigger(self, timezone: str, start: datetime | None = None) -> BaseTrigger:
        """The APScheduler trigger (cron in ``timezone``; an interval from ``start``)."""
        if self.seconds:
            return IntervalTrigger(seconds=self.seconds, timezone=timezone, start_date=start)
        return CronTrigger.from_crontab(self.cron, timezone=timezone)

    def next_run(self, timezone: str, now: datetime, last_start: datetime | None = None):
        """The next firing after ``now`` (naive UTC in, naive UTC out). An interval
        counts from the last run's start (None before the first run: "soon")."""
        if self.seconds:
            if last_start is None:
                return None
            upcoming = last_start + timedelta(seconds=self.seconds)
            return upcoming if upcoming > now else None
        fire = self.trigger(timezone).get_next_fire_time(
            None, now.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)))
        return fire.astimezone(UTC).replace(tzinfo=None) if fire else None

    @property
    def text(self) -> str:
        """The form's spelling: the cron line or the seconds."""
        return self.cron or str(self.seconds)


def as_schedule(value: int | str | Schedule | None) -> Schedule | None:
    """A registry default: seconds as an int, a cron line as text, or None."""
    if value is None or isinstance(value, Schedule):
        return value
    if isinstance(value, int):
        return Schedule(seconds=value)
    return parse_schedule(value)


def _invalid(message) -> ScheduleInvalid:
    return ScheduleInvalid(str(message), fields={"schedule": str(message)})


def parse_schedule(text: str | None) -> Schedule | None:
    """An admin's schedule: empty → None (the default), digits → seconds between runs
    (``MIN_SECONDS``..``MAX_SECONDS``), else a cron line checked by APScheduler."""
    text = " ".join((text or "").split())
    if not text:
        return None
    if SECONDS.fullmatch(text):
        seconds = int(text)
        if not MIN_SECONDS <= seconds <= MAX_SECONDS:
            raise _invalid(_l("An interval must be between %(low)s and %(high)s seconds.",
                              low=MIN_SECONDS, high=MAX_SECONDS))
        return Schedule(seconds=seconds)
    if len(text) > MAX_CRON_LENGTH:
        raise _invalid(_l("A schedule has at most %(n)s characters.", n=MAX_CRON_LENGTH))
    try:
        CronTrigger.from_crontab(text, timezone="UTC")
    except ValueError as error:
        raise _invalid(_l("Not a cron line (minute hour day month weekday): %(reason)s",
                          reason=str(error))) from error
    return Schedule(cron=text)


@dataclass(frozen=True)
class Planned:
    """A registered job with its default schedule and an admin's override merged."""

    name: str
    description: object
    default: Schedule | None
    override: Schedule | None
    enabled: bool

    @property
    def schedule(self) -> Schedule | None:
        return self.override or self.default

    @property
    def active(self) -> bool:
        """Switched on and has a schedule (else it runs only by hand)."""
        return self.enabled and self.schedule is not None


def planned_jobs() -> list[Planned]:
    """Every registered job, defaults merged with the ``JobSetting`` overrides."""
    from portal.jobs.models import JobSetting
    from portal.jobs.registry import all_jobs

    settings = {setting.job: setting for setting in JobSetting.select()}
    planned = []
    for job in all_jobs():
        setting = settings.get(job.name)
        override = None
        if setting is not None and (setting.cron or setting.interval_seconds):
            override = Schedule(cron=setting.cron, seconds=setting.interval_seconds or None)
        planned.append(Planned(job.name, job.description, job.schedule, override,
                               setting.enabled if setting is not None else True))
    return planned
