"""The jobs screen in a real browser: "Run now" leads to the run's page, which follows
the run's progress every 2 s and stops asking once it has finished."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from portal.db import db, utcnow
from portal.jobs.models import JobRun
from tests.e2e.test_roles_browser import horizontal_overflow, logged_in_as

pytestmark = pytest.mark.browser


def test_run_now_and_the_live_progress_of_a_run(page, screenshot, users, shop_data):
    JobRun.create(job="stock_check", status="succeeded", trigger="schedule",
                  started_at=utcnow(), finished_at=utcnow(), rows_read=20360)
    running = JobRun.create(job="late_deliveries", status="running", trigger="schedule",
                            started_at=utcnow(), done=10, total=100, message="reading")
    db.close()
    logged_in_as(page, users["admin"])

    page.get_by_role("link", name="Scheduled jobs").click()
    expect(page.locator("h1")).to_have_text("Scheduled jobs")
    expect(page.locator("tr", has_text="stock_check")).to_contain_text("Succeeded")
    assert horizontal_overflow(page) == 0
    screenshot("jobs-index")

    page.locator("tr", has_text="outbox").get_by_role("button", name="Run now").click()
    expect(page).to_have_url(re.compile(r"/jobs/runs/\d+$"))
    expect(page.locator("#run-panel")).to_contain_text("Waiting for the jobs process")

    page.goto(f"/jobs/runs/{running.id}")
    expect(page.locator("#run-panel")).to_contain_text("10 of 100")
    screenshot("jobs-run-running")
    polls = []
    page.on("request", lambda request: polls.append(request.url)
            if request.url.endswith(f"/jobs/runs/{running.id}") else None)

    JobRun.update(done=60).where(JobRun.id == running.id).execute()
    db.close()
    expect(page.locator("#run-panel")).to_contain_text("60 of 100")

    JobRun.update(status="succeeded", finished_at=utcnow(), rows_read=1, error_count=1,
                  errors=json.dumps([{"line": None, "message": "PO-2025-2001: 300 × SKU-10002 "
                                      "to WH, expected 2025-01-01 (3 days late)"}]),
                  message="late deliveries: 1").where(JobRun.id == running.id).execute()
    db.close()
    expect(page.locator("#run-panel")).to_contain_text("PO-2025-2001")
    expect(page.locator("#run-panel")).not_to_have_attribute("hx-trigger", "every 2s")
    asked = len(polls)
    page.wait_for_timeout(2600)
    assert len(polls) == asked  # the finished panel stopped the polling
    screenshot("jobs-run-finished")
