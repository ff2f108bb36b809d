"""Journey of an administrator opening a new store: the store (a location), its first
employee and an API key for the web shop's staging system, each proved to work: the
employee logs in and sees the new store's dashboard, the key reads the store's stock
from GET /api/v1/availability (and nothing its scope does not allow)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.auth.models import ApiKey, User
from portal.inventory import services as stock
from portal.inventory.models import Product
from portal.locations.models import Location
from tests.conftest import PASSWORD
from tests.e2e.journeys import Steps, switch_user
from tests.e2e.test_roles_browser import logged_in_as

pytestmark = pytest.mark.browser

SKU = "SKU-10003"
NEW_STORE = {"Name": "München Marienplatz", "Street": "Marienplatz 8", "Postcode": "80331",
             "City": "München", "Latitude": "48.137", "Longitude": "11.575"}


def test_admin_opens_a_store_with_its_first_employee_and_an_api_key(
        page, screenshot, users, shop_data, browser_problems):
    # The duplicate code is answered 400 on purpose; chromium logs that as a console error.
    browser_problems.allow(r"HTTP 400: POST .*/locations/new$")
    browser_problems.allow(r"console error: Failed to load resource: .*status of 400")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    steps = Steps(screenshot, "admin")

    # 1. The store. A code already taken is refused first, and nothing is created.
    logged_in_as(page, users["admin"])
    page.locator("nav.mainnav").get_by_role("link", name="Locations", exact=True).click()
    page.get_by_role("link", name="New location").click()
    expect(page.locator("h1")).to_have_text("New location")
    page.get_by_label("Code", exact=True).fill("BER")
    for label, value in NEW_STORE.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Kind", exact=True).select_option(label="Store")
    for service in ("Ships parcels", "Click & Collect", "Accepts returns"):
        page.get_by_label(service, exact=True).check()
    page.get_by_role("button", name="Save", exact=True).click()
    code_field = page.locator(".field", has=page.get_by_label("Code", exact=True))
    expect(code_field.locator(".error")).to_have_text("This code is taken.")
    expect(page.get_by_label("Name", exact=True)).to_have_value("München Marienplatz")
    steps.shot("location_code_taken")
    assert Location.select().count() == 3

    page.get_by_label("Code", exact=True).fill("MUC")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("Location MUC created.")
    expect(page.locator("h1")).to_contain_text("München Marienplatz")
    expect(page.locator("main")).to_contain_text("Marienplatz 8, 80331 München")
    steps.shot("location_created")
    muc = Location.get(Location.code == "MUC")
    assert (muc.kind, muc.click_collect, muc.active) == ("store", True, True)

    # Its first delivery is booked in (by the warehouse system, outside this journey).
    stock.receive_stock(Product.get(Product.sku == SKU), muc, 5)

    # 2. The store's first employee.
    page.locator("nav.mainnav").get_by_role("link", name="Users", exact=True).click()
    page.get_by_role("link", name="New user").click()
    page.get_by_label("E-mail", exact=True).fill("anna.huber@test.example")
    page.get_by_label("Name", exact=True).fill("Anna Huber")
    page.get_by_label("Role", exact=True).select_option(label="Store employee")
    page.get_by_label("Home store", exact=True).select_option(label="München Marienplatz")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    steps.shot("user_form")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text(
        "User anna.huber@test.example created.")
    row = page.locator("tbody tr", has_text="anna.huber@test.example")
    expect(row).to_contain_text("Anna Huber")
    expect(row).to_contain_text("Store employee")
    expect(row).to_contain_text("München Marienplatz")
    steps.shot("user_created")

    # 3. An API key for the web shop's staging system, copied from the screen once.
    page.locator("nav.mainnav").get_by_role("link", name="API keys", exact=True).click()
    page.get_by_label("Name", exact=True).fill("Web shop staging")
    page.locator('input[name="scopes"][value="availability:read"]').check()
    page.get_by_role("button", name="Create key", exact=True).click()
    expect(page.locator(".new-key h2")).to_contain_text("Web shop staging")
    page.get_by_role("button", name="Copy", exact=True).click()
    expect(page.locator(".copy-status")).to_have_text("Copied")
    secret = page.evaluate("navigator.clipboard.readText()")
    assert secret == page.locator("input#new-api-key").input_value()
    assert re.fullmatch(r"oms_[\w-]+", secret)
    steps.shot("api_key_created")

    # 4. The key works for what its scope allows, and for nothing else.
    bearer = {"Authorization": f"Bearer {secret}"}
    answer = page.request.get(f"/api/v1/availability?sku={SKU}&location=MUC", headers=bearer)
    assert answer.status == 200, answer.text()
    (result,) = answer.json()["skus"]
    assert result["sku"] == SKU
    assert [(place["location"], place["available"]) for place in result["locations"]] == [
        ("MUC", 5)], result
    assert page.request.get(f"/api/v1/availability?sku={SKU}").status == 401  # no key
    assert page.request.get("/api/v1/orders/OMS-2026-000001", headers=bearer).status == 403

    page.locator("nav.mainnav").get_by_role("link", name="API keys", exact=True).click()
    key_row = page.locator("tbody tr", has_text="Web shop staging")
    expect(key_row.locator("td").nth(4)).not_to_have_text("—")  # last used: just now
    expect(page.locator("input#new-api-key")).to_have_count(0)  # the secret is gone
    steps.shot("api_key_used")
    assert ApiKey.get().last_used_at is not None

    # 5. The new employee logs in and works in the new store.
    switch_user(page, User.get(User.email == "anna.huber@test.example"))
    expect(page.locator("main h1")).to_have_text("München Marienplatz")
    expect(page.locator("main")).to_contain_text("Marienplatz 8, 80331 München")
    expect(page.locator(".whoami")).to_contain_text("Anna Huber · Store employee · MUC")
    summary = page.locator("#location-summary")
    expect(summary.locator(".stat", has_text="Units on hand")).to_contain_text("5")
    expect(page.locator("nav.mainnav a")).to_have_text(
        ["Dashboard", "Sell", "Orders", "Fulfilment", "Returns", "Stock", "Ledger", "My store"])
    steps.shot("employee_dashboard")
