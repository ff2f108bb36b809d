"""A run's message and report are stored as the jobs process worded them (English); the
run page shows them in the reader's language, and who started it by name."""

from __future__ import annotations

import json

import pytest

from portal.auth.models import User
from portal.jobs.models import JobRun
from portal.jobs.runner import run_job


@pytest.fixture
def german_admin(as_role, users):
    User.update(language="de").where(User.id == users["admin"].id).execute()
    return as_role("admin")


def test_a_runs_message_and_report_are_shown_in_german(german_admin, ctx):
    run = JobRun.create(job="marketplace_push", status="succeeded", trigger="manual",
                        triggered_by="system", message="Nothing changed since the last push.",
                        errors=json.dumps([{"line": 4, "message": "Not a whole number."},
                                           {"line": None,
                                            "message": "Nordwest stock: The file is empty."}]),
                        error_count=2)

    page = german_admin.get(f"/jobs/runs/{run.id}").get_data(as_text=True)

    assert "Seit der letzten Übertragung hat sich nichts geändert." in page
    assert "Keine ganze Zahl." in page and "Nordwest stock: Die Datei ist leer." in page
    assert "Nothing changed" not in page and "Not a whole number." not in page
    assert "· System<" in page and "· system<" not in page


def test_the_portals_own_jobs_store_their_messages_as_before(ctx):
    run = run_job("stock_check")

    assert run.message == "differences: 0"  # stored in English: old runs said the same
