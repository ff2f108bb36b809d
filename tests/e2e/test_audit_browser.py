"""The audit log in a real browser: a manager opens the *Stock changes* tab, narrows it to
one person while typing (htmx swaps the rows, the URL keeps the filter) and follows a row
into the stock ledger."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.test_roles_browser import logged_in_as
from tests.test_audit_stock import changes  # noqa: F401 - the fixture


def test_manager_finds_who_changed_stock(page, screenshot, users, changes):  # noqa: F811
    logged_in_as(page, users["manager"])
    page.goto("/admin/audit")
    page.get_by_role("link", name="Stock changes").click()

    expect(page.get_by_role("link", name="Stock changes")).to_have_attribute(
        "aria-current", "page")
    table = page.locator("#audit-stock-rows tbody tr")
    expect(table).to_have_count(5)
    screenshot("audit-stock-changes")

    page.get_by_label("Who").fill("manager@")
    expect(table).to_have_count(1)
    expect(table.first).to_contain_text("CAP-1")
    expect(page).to_have_url(re.compile(r"user=manager"))

    table.first.get_by_role("link", name="In the ledger").click()
    expect(page.get_by_role("heading", name="Stock ledger")).to_be_visible()
    expect(page.locator(".ledger-table tbody tr")).to_contain_text(["manager@test.example"])
