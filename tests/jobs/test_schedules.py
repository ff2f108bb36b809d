"""Schedules: parsed and checked as the scheduler reads them, merged with the admins'
overrides, and kept in step by the jobs process."""

from __future__ import annotations

from datetime import datetime

import pytest

from jobs import schedule
from jobs.process import JobsProcess
from portal.errors import NotFound
from portal.jobs.models import JobSetting
from portal.jobs.registry import JOBS, get_job
from portal.jobs.schedules import Schedule, ScheduleInvalid, parse_schedule, planned_jobs
from portal.jobs.services import save_setting


def test_the_built_in_jobs_and_their_default_schedules():
    assert {name: job.schedule for name, job in JOBS.items()}.items() >= {
        "reservation_expiry": Schedule(seconds=60),
        "outbox": Schedule(seconds=60),
        "pickups_expire": Schedule(seconds=3600),
        "late_deliveries": Schedule(cron="0 6 * * *"),
        "stock_check": Schedule(cron="30 3 * * *"),
    }.items()
    assert callable(get_job("stock_check").function())
    with pytest.raises(NotFound):
        get_job("nope")


@pytest.mark.parametrize(("text", "expected"), [
    ("", None), ("  ", None), ("60", Schedule(seconds=60)), ("10", Schedule(seconds=10)),
    ("86400", Schedule(seconds=86400)), ("*/15  * * * *", Schedule(cron="*/15 * * * *")),
    ("30 3 * * mon-fri", Schedule(cron="30 3 * * mon-fri")),
])
def test_good_schedules(app, text, expected):
    with app.app_context():
        assert parse_schedule(text) == expected


@pytest.mark.parametrize("text", ["9", "86401", "0", "61 * * * *", "* * *", "every day",
                                  "-5", "1.5", "* " * 70])
def test_bad_schedules_are_refused_with_a_reason(app, text):
    with app.app_context(), pytest.raises(ScheduleInvalid) as refused:
        parse_schedule(text)
    assert refused.value.fields["schedule"]


def test_next_run_of_a_cron_line_is_in_the_portals_time_zone():
    daily = Schedule(cron="0 6 * * *")
    # 2026-01-10 04:59 UTC is 05:59 in Berlin (winter time): the next 06:00 is 05:00 UTC.
    assert daily.next_run("Europe/Berlin", datetime(2026, 1, 10, 4, 59)) == \
        datetime(2026, 1, 10, 5, 0)
    assert daily.next_run("Europe/Berlin", datetime(2026, 1, 10, 5, 1)) == \
        datetime(2026, 1, 11, 5, 0)


def test_next_run_of_an_interval_counts_from_the_last_start():
    every = Schedule(seconds=300)
    now = datetime(2026, 1, 10, 12, 0)
    assert every.next_run("UTC", now, datetime(2026, 1, 10, 11, 58)) == \
        datetime(2026, 1, 10, 12, 3)
    assert every.next_run("UTC", now, None) is None  # not run yet: soon
    assert every.next_run("UTC", now, datetime(2026, 1, 10, 11, 50)) is None  # overdue


def test_overrides_and_switches_are_merged_into_the_schedulers_table(ctx, users):
    save_setting("outbox", True, "*/5 * * * *", users["admin"])
    save_setting("stock_check", False, "", users["admin"])

    planned = {p.name: p for p in planned_jobs()}
    table = schedule.table()

    assert planned["outbox"].override == Schedule(cron="*/5 * * * *")
    assert planned["outbox"].default == Schedule(seconds=60)
    assert table["outbox"] == Schedule(cron="*/5 * * * *")
    assert "stock_check" not in table and not planned["stock_check"].enabled
    assert table["late_deliveries"] == Schedule(cron="0 6 * * *")


def test_a_bad_override_changes_nothing(ctx, users):
    with pytest.raises(ScheduleInvalid):
        save_setting("outbox", False, "5", users["admin"])
    assert JobSetting.select().count() == 0


def test_the_jobs_process_follows_schedule_changes(app, ctx, users):
    process = JobsProcess(app)
    process.sync()
    assert process.scheduler.get_job("outbox").trigger.interval.total_seconds() == 60
    defaults = process.scheduler._job_defaults  # applied to each job when it starts
    assert (defaults["max_instances"], defaults["coalesce"],
            defaults["misfire_grace_time"]) == (1, True, schedule.MISFIRE_GRACE_SECONDS)

    save_setting("outbox", True, "120", users["admin"])
    save_setting("stock_check", False, "", users["admin"])
    process.sync()

    assert process.scheduler.get_job("outbox").trigger.interval.total_seconds() == 120
    assert process.scheduler.get_job("stock_check") is None
    save_setting("stock_check", True, "", users["admin"])
    process.sync()
    assert str(process.scheduler.get_job("stock_check").trigger).startswith("cron[")
