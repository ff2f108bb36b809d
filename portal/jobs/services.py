"""Admins switch jobs off and on and give them another schedule."""

from __future__ import annotations

from portal.audit.services import actor_label, record_audit
from portal.db import transaction, utcnow
from portal.jobs.models import JobSetting
from portal.jobs.registry import get_job
from portal.jobs.schedules import parse_schedule


def save_setting(name: str, enabled: bool, schedule_text: str, actor) -> JobSetting:
    """Store job ``name``'s switch and schedule override (empty text: the default).
    A bad schedule raises ``ScheduleInvalid`` (field ``schedule``) and changes nothing;
    the jobs process picks the change up within a few seconds."""
    get_job(name)
    schedule = parse_schedule(schedule_text)
    values = {"enabled": enabled, "cron": schedule.cron if schedule else "",
              "interval_seconds": schedule.seconds if schedule else None,
              "updated_by": actor_label(actor)[:160], "updated_at": utcnow()}
    with transaction():
        setting, created = JobSetting.get_or_create(job=name, defaults=values)
        if not created:
            JobSetting.update(**values).where(JobSetting.id == setting.id).execute()
            setting = JobSetting.get_by_id(setting.id)
        record_audit(actor, "job.settings_changed", setting, job=name, enabled=enabled,
                     schedule=schedule.text if schedule else "")
    return setting
