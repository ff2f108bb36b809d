"""The jobs screen: who sees what, "Run now", the admins' settings, the history and a
run's report with live progress."""

from __future__ import annotations

import json

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.db import utcnow
from portal.jobs.models import JobRun, JobSetting
from tests.conftest import csrf_token, login


def test_store_employees_may_not_see_the_jobs(as_role):
    client = as_role("employee")
    assert client.get("/jobs/").status_code == 403
    assert client.get("/jobs/runs").status_code == 403


def test_logistics_sees_the_jobs_but_may_not_start_or_change_them(as_role):
    client = as_role("logistics")
    page = client.get("/jobs/").get_data(as_text=True)

    assert "late_deliveries" in page and "stock_check" in page
    assert "Run now" not in page and "/jobs/outbox/settings" not in page
    assert client.post("/jobs/outbox/run", data={
        "csrf_token": csrf_token(client, "/jobs/")}).status_code == 403
    assert client.get("/jobs/outbox/settings").status_code == 403
    assert JobRun.select().count() == 0


def test_the_list_shows_schedules_last_and_next_runs(as_role):
    JobRun.create(job="stock_check", status="failed", trigger="schedule",
                  started_at=utcnow(), finished_at=utcnow(), message="boom")
    page = as_role("manager").get("/jobs/").get_data(as_text=True)

    assert "every minute" in page and "every hour" in page and "0 6 * * *" in page
    assert "Failed" in page and "Run now" in page
    assert "/jobs/outbox/settings" not in page  # managers run jobs, admins configure them


def test_run_now_needs_the_csrf_token_and_queues_a_run(as_role, users):
    client = as_role("manager")

    refused = client.post("/jobs/stock_check/run")
    assert refused.status_code == 400 and JobRun.select().count() == 0

    response = client.post("/jobs/stock_check/run",
                           data={"csrf_token": csrf_token(client, "/jobs/")})

    run = JobRun.get(JobRun.job == "stock_check")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/jobs/runs/{run.id}")
    assert (run.status, run.trigger, run.triggered_by) == ("queued", "manual",
                                                          users["manager"].email)
    assert AuditEvent.get(AuditEvent.action == "job.queued").object_id == str(run.id)
    page = client.get(f"/jobs/runs/{run.id}").get_data(as_text=True)
    assert "Waiting for the jobs process" in page
    assert client.post("/jobs/no_such_job/run", data={
        "csrf_token": csrf_token(client, "/jobs/")}).status_code == 404


def test_admins_switch_a_job_off_and_give_it_a_schedule(as_role, users):
    client = as_role("admin")
    assert client.get("/jobs/outbox/settings").status_code == 200
    token = csrf_token(client, "/jobs/outbox/settings")

    bad = client.post("/jobs/outbox/settings", data={"csrf_token": token,
                                                     "enabled": "y", "schedule": "5"})
    not_cron = client.post("/jobs/outbox/settings", data={
        "csrf_token": token, "enabled": "y", "schedule": "61 * * * *"})
    assert bad.status_code == 400 and "between 10 and 86400" in bad.get_data(as_text=True)
    assert not_cron.status_code == 400 and "cron" in not_cron.get_data(as_text=True)
    assert JobSetting.select().count() == 0

    saved = client.post("/jobs/outbox/settings", data={"csrf_token": token,
                                                       "schedule": "*/5 * * * *"})

    assert saved.status_code == 302
    setting = JobSetting.get(JobSetting.job == "outbox")
    assert (setting.enabled, setting.cron, setting.interval_seconds) == (False, "*/5 * * * *",
                                                                          None)
    assert setting.updated_by == users["admin"].email
    page = client.get("/jobs/").get_data(as_text=True)
    assert "*/5 * * * *" in page and "Switched off" in page and "default:" in page
    assert AuditEvent.get(AuditEvent.action == "job.settings_changed")
    form = client.get("/jobs/outbox/settings").get_data(as_text=True)
    assert 'value="*/5 * * * *"' in form


def test_managers_may_not_change_settings(as_role):
    client = as_role("manager")
    assert client.get("/jobs/outbox/settings").status_code == 403


def test_the_history_filters_by_job_status_and_day(as_role):
    JobRun.create(job="outbox", status="succeeded", trigger="schedule", started_at=utcnow(),
                  finished_at=utcnow(), rows_read=12)
    JobRun.create(job="stock_check", status="failed", trigger="cli", triggered_by="cli:ops",
                  started_at=utcnow(), finished_at=utcnow())
    client = as_role("logistics")

    everything = client.get("/jobs/runs").get_data(as_text=True)
    failed = client.get("/jobs/runs?status=failed", headers={"HX-Request": "true"})
    by_job = client.get("/jobs/runs?job=outbox&since=2000-01-01").get_data(as_text=True)
    future = client.get("/jobs/runs?since=2999-01-01").get_data(as_text=True)
    nonsense = client.get("/jobs/runs?status=bogus&job=bogus&since=yesterday")

    assert "outbox" in everything and "cli:ops" in everything
    failed_html = failed.get_data(as_text=True)
    assert "<html" not in failed_html and "cli:ops" in failed_html
    assert ">outbox<" not in failed_html
    assert ">outbox<" in by_job and "cli:ops" not in by_job
    assert "No runs match." in future
    assert nonsense.status_code == 200 and "cli:ops" in nonsense.get_data(as_text=True)


def test_a_running_run_polls_for_its_progress_and_a_finished_one_does_not(as_role):
    running = JobRun.create(job="outbox", status="running", trigger="schedule",
                            started_at=utcnow(), done=40, total=100, message="row 40")
    client = as_role("manager")

    page = client.get(f"/jobs/runs/{running.id}").get_data(as_text=True)
    fragment = client.get(f"/jobs/runs/{running.id}",
                          headers={"HX-Request": "true"}).get_data(as_text=True)

    assert 'hx-trigger="every 2s"' in page and "<progress" in page and "row 40" in page
    assert f'href="/jobs/runs/{running.id}"' in page  # the refresh link without JavaScript
    assert fragment.lstrip().startswith("<section") and "<html" not in fragment

    JobRun.update(status="succeeded", finished_at=utcnow(), error_count=2, errors=json.dumps(
        [{"line": 17, "message": "EAN 123 unknown"}, {"line": None, "message": "late"}])
    ).where(JobRun.id == running.id).execute()
    finished = client.get(f"/jobs/runs/{running.id}",
                          headers={"HX-Request": "true"}).get_data(as_text=True)

    assert "hx-trigger" not in finished and "<progress" not in finished
    assert "EAN 123 unknown" in finished and ">17<" in finished
    assert client.get("/jobs/runs/999999").status_code == 404


def test_the_jobs_pages_render_in_german(as_role, users):
    User.update(language="de").where(User.id == users["admin"].id).execute()
    run = JobRun.create(job="outbox", status="succeeded", trigger="schedule",
                        started_at=utcnow(), finished_at=utcnow())
    client = as_role("admin")

    for url in ("/jobs/", "/jobs/runs", f"/jobs/runs/{run.id}", "/jobs/outbox/settings"):
        response = client.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert '<html lang="de">' in page and "Abmelden" in page, url


def test_dashboards_and_the_outbox_link_to_the_jobs(app, users):
    for role, pages in (("admin", ("/", "/admin/outbox/")), ("manager", ("/",))):
        client = app.test_client()
        login(client, users[role])
        for page in pages:
            assert 'href="/jobs/"' in client.get(page).get_data(as_text=True), (role, page)


def test_the_history_is_paginated_keeping_its_filters(as_role):
    JobRun.insert_many([{"job": "outbox", "status": "succeeded", "trigger": "schedule",
                         "created_at": utcnow()} for _ in range(55)]).execute()
    client = as_role("admin")

    first = client.get("/jobs/runs?job=outbox").get_data(as_text=True)
    second = client.get("/jobs/runs?job=outbox&page=2", headers={"HX-Request": "true"})

    assert "Page 1 of 2" in first and "/jobs/runs?job=outbox&amp;page=2" in first
    assert "Page 2 of 2" in second.get_data(as_text=True)
    assert second.get_data(as_text=True).count('href="/jobs/runs/') == 5
