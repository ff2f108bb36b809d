"""The portal in a real browser: login per role, navigation, API keys, active search,
language switch and store scoping. Screenshots go to tests/artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import TABLET

pytestmark = pytest.mark.browser

EXPECTED_NAV = {
    "employee": ["Dashboard", "Sell", "Orders", "Fulfilment", "Returns", "Stock", "Ledger",
                 "My store"],
    "logistics": ["Dashboard", "Orders", "Fulfilment", "Returns", "Stock", "Ledger",
                  "Locations", "Suppliers"],
    "manager": ["Dashboard", "Sell", "Orders", "Fulfilment", "Returns", "Stock", "Ledger",
                "Locations", "Suppliers", "Import / export", "Sourcing rules", "Audit log"],
    "admin": ["Dashboard", "Sell", "Orders", "Fulfilment", "Returns", "Stock", "Ledger",
              "Locations", "Suppliers", "Import / export", "Sourcing rules", "Users",
              "API keys", "Audit log", "Outbox"],
}
DASHBOARD_HEADING = {
    "employee": "Berlin Mitte",
    "logistics": "Logistics",
    "manager": "Overview",
    "admin": "Administration",
}


def log_in(page, user, password: str = PASSWORD) -> None:
    """Fill and send the login form like a person would."""
    page.goto("/login")
    page.get_by_label("E-mail", exact=True).fill(user.email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()


def logged_in_as(page, user) -> None:
    log_in(page, user)
    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/$"))
    expect(page.locator(".whoami")).to_contain_text(user.name)


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 = no sideways scrolling)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("role", ["employee", "logistics", "manager", "admin"])
def test_each_role_logs_in_and_sees_its_navigation(page, screenshot, users, shop_data, role):
    log_in(page, users[role])

    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/$"))
    expect(page).to_have_title(re.compile(r"^Dashboard · "))
    expect(page.locator("main h1")).to_have_text(DASHBOARD_HEADING[role])
    expect(page.locator(".whoami")).to_contain_text(users[role].name)
    nav = page.locator("nav.mainnav a")
    expect(nav).to_have_text(EXPECTED_NAV[role])
    expect(page.locator('nav.mainnav a[aria-current="page"]')).to_have_text("Dashboard")
    assert horizontal_overflow(page) == 0
    screenshot(f"{role}-dashboard")

    if role == "employee":
        expect(page.locator("main")).to_contain_text("Rosenthaler Str. 40, 10178 Berlin")
        page.set_viewport_size(TABLET)
        assert horizontal_overflow(page) == 0
        screenshot("employee-dashboard-tablet")


def test_wrong_password_shows_an_error_and_stays_on_the_login_page(page, screenshot, users,
                                                                   browser_problems):
    # The login answers 401 on purpose; chromium reports that as a console error too.
    browser_problems.allow(r"HTTP 401: POST .*/login$")
    browser_problems.allow(r"console error: Failed to load resource: .*status of 401")

    log_in(page, users["manager"], password="not-the-password")

    # One message for the whole form, above the fields; the cursor waits in the password.
    alert = page.locator("form .flash-error[role=alert]")
    expect(alert).to_have_text("E-mail or password is wrong.")
    assert alert.bounding_box()["y"] < page.get_by_label("E-mail", exact=True).bounding_box()["y"]
    expect(page.locator(".field.has-error")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("button", name="Log in", exact=True)).to_be_visible()
    expect(page.locator("nav.mainnav")).to_have_count(0)
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    expect(page.get_by_label("E-mail", exact=True)).to_have_value(users["manager"].email)
    screenshot("login-wrong-password")


def test_admin_creates_an_api_key_and_sees_it_once(page, screenshot, users, browser_problems):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    logged_in_as(page, users["admin"])
    page.get_by_role("link", name="API keys", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/api-keys$"))

    page.get_by_label("Name", exact=True).fill("Web shop production")
    page.locator('input[name="scopes"][value="availability:read"]').check()
    page.locator('input[name="scopes"][value="orders:write"]').check()
    page.get_by_role("button", name="Create key", exact=True).click()

    # The answer to the POST shows the key once; it never travels in the session cookie.
    expect(page).to_have_url(re.compile(r"/admin/api-keys$"))
    new_key = page.locator("input#new-api-key")
    expect(new_key).to_have_value(re.compile(r"^oms_\w+"))
    expect(page.locator(".new-key h2")).to_contain_text("Web shop production")
    expect(page.locator(".flash")).to_have_count(0)  # the card says it all, once
    keys_table = page.locator("section.card", has=page.get_by_role("heading", name="Keys"))
    expect(keys_table.locator("tbody tr")).to_have_count(1)
    expect(keys_table.locator("tbody tr")).to_contain_text("Web shop production")
    prefix = keys_table.locator("tbody tr td.mono").inner_text().removesuffix("_…")
    assert new_key.input_value().startswith(prefix + "_"), "the table shows the key's prefix"
    # The form is empty again, ready for the next key.
    expect(page.get_by_label("Name", exact=True)).to_have_value("")
    expect(page.locator('input[name="scopes"]:checked')).to_have_count(0)
    # Scope labels are normal text, not bold like field labels.
    weight = page.locator("label.field-check").first.evaluate(
        "el => getComputedStyle(el).fontWeight")
    assert int(weight) < 600

    page.get_by_role("button", name="Copy", exact=True).click()
    expect(page.locator(".copy-status")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == new_key.input_value()
    screenshot("admin-api-key-created")

    # Reloading sends the same form again: no second key, the secret is gone, and a
    # notice says why (409: the form's one-time request id was used already).
    browser_problems.allow(r"HTTP 409: POST .*/admin/api-keys$")
    browser_problems.allow(r"console error: Failed to load resource: .*status of 409")
    page.reload()
    expect(page.locator(".key-already-created")).to_contain_text(
        "This key was already created.")
    expect(page.locator("input#new-api-key")).to_have_count(0)
    expect(keys_table.locator("tbody tr")).to_have_count(1)
    expect(keys_table.locator("tbody tr")).to_contain_text("Web shop production")
    screenshot("admin-api-key-form-sent-again")


def test_location_search_updates_the_table_without_reloading(page, screenshot, users,
                                                             shop_data):
    logged_in_as(page, users["admin"])
    page.goto("/locations/")
    rows = page.locator("#location-rows tbody tr")
    expect(rows).to_have_count(3)
    page.evaluate("window.__e2eNoReload = 'still here'")

    with page.expect_response(lambda r: "/locations/?q=Hamburg" in r.url) as answer:
        page.locator("#q").press_sequentially("Hamburg", delay=20)
    response = answer.value
    assert response.request.headers.get("hx-request") == "true"
    assert response.status == 200

    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Hamburg City")
    expect(page.locator("#location-rows")).not_to_contain_text("Berlin Mitte")
    expect(page).to_have_url(re.compile(r"/locations/\?q=Hamburg(&|$)"))
    assert page.evaluate("window.__e2eNoReload") == "still here", "the page was reloaded"
    expect(page.locator("#q")).to_be_focused()
    expect(page.locator("#q")).to_have_value("Hamburg")
    # Exactly one page header and table: the fragment did not nest a whole page.
    expect(page.locator("header.topbar")).to_have_count(1)
    expect(page.locator("#location-rows table")).to_have_count(1)
    screenshot("admin-locations-search")


def test_language_switch_to_german(page, screenshot, app, users, shop_data):
    logged_in_as(page, users["employee"])
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.get_by_role("button", name="Deutsch", exact=True).click()

    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/$"))
    expect(page.get_by_role("button", name="English", exact=True)).to_be_visible()
    with app.test_request_context(), force_locale("de"):
        log_out_de = gettext("Log out")
    logout_button = page.locator("form[action$='/logout'] button")
    if log_out_de != "Log out":  # the German catalogue has this string
        assert log_out_de == "Abmelden"
        expect(logout_button).to_have_text("Abmelden")
    else:
        expect(logout_button).to_have_text("Log out")
    screenshot("employee-dashboard-de")

    # The choice is stored on the user: it survives a new login.
    page.locator("form[action$='/logout'] button").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    log_in(page, users["employee"])
    expect(page.locator("html")).to_have_attribute("lang", "de")


def test_employee_cannot_open_another_store(page, screenshot, users, shop_data,
                                            browser_problems):
    browser_problems.allow(r"HTTP 404: GET .*/locations/HAM$")
    browser_problems.allow(r"console error: Failed to load resource: .*status of 404")
    logged_in_as(page, users["employee"])

    # "My store" (a boosted link) leads to the own store's page.
    page.locator("nav.mainnav").get_by_role("link", name="My store", exact=True).click()
    expect(page).to_have_url(re.compile(r"/locations/BER$"))
    expect(page.locator("main h1")).to_contain_text("Berlin Mitte")
    expect(page.locator("main")).to_contain_text("Nordlicht Trail Runner Blau")
    screenshot("employee-my-store")

    other = page.goto("/locations/HAM")
    assert other is not None and other.status == 404
    expect(page.locator(".error-code")).to_have_text("404")
    expect(page.locator("main h1")).to_have_text(
        "This page does not exist, or it is not visible to you.")
    expect(page.locator("main")).not_to_contain_text("Hamburg City")
    expect(page.locator("nav.mainnav a")).to_have_text(EXPECTED_NAV["employee"])
    screenshot("employee-other-store-404")
