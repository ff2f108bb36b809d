"""Stock screens in a real browser: active search, filters, paging, inline changes
with htmx that refresh other panels, and the same flows without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.inventory import services
from portal.inventory.models import StockLevel
from tests.e2e.test_roles_browser import logged_in_as
from tests.inventory.conftest import make_product

pytestmark = pytest.mark.browser


@pytest.fixture
def shelf(stores):
    runner = make_product("SNK-1", ean="4012345000017", name="Nordlicht Trail Runner Blau")
    jacket = make_product("JKT-1", name="Alster Regenjacke Olive", category="Jacken")
    services.receive_stock(runner, stores["BER"], 5, reference="PO-1")
    services.receive_stock(runner, stores["HAM"], 9)
    services.receive_stock(runner, stores["WH"], 120)
    services.ensure_level(jacket.id, stores["BER"].id)
    services.receive_stock(jacket, stores["WH"], 30)
    for n in range(55):
        services.receive_stock(make_product(f"ZZZ-{n:03d}", name=f"Filler {n}"), stores["WH"], 1)
    return {"runner": runner, "jacket": jacket}


def on_hand(product, location) -> int:
    return StockLevel.get(StockLevel.product == product, StockLevel.location == location).on_hand


def test_employee_finds_stock_and_receives_goods_inline(page, screenshot, users, stores, shelf):
    logged_in_as(page, users["employee"])
    page.get_by_role("link", name="Stock", exact=True).click()
    expect(page.locator("#location")).to_have_value("BER")
    page.evaluate("window.noReload = true")

    page.locator("#q").fill("trail runner")
    expect(page).to_have_url(re.compile(r"q=trail(\+|%20)runner"))
    rows = page.locator("#stock-results tbody tr[id^=level-]")
    expect(rows).to_have_count(1)

    rows.first.get_by_role("link", name="Change").click()
    form = page.locator("tr.editing form")
    form.get_by_label("Action").select_option("receive")
    form.get_by_label("Quantity").fill("4")
    form.get_by_label("Reference").fill("LS-4711")
    screenshot("stock-inline-form")
    form.get_by_role("button", name="Save").click()

    expect(page.locator("tr.just-changed")).to_be_visible()
    expect(page.locator("tr.just-changed td").nth(3)).to_have_text("9")
    assert page.evaluate("window.noReload") is True
    assert on_hand(shelf["runner"], stores["BER"]) == 9
    screenshot("stock-inline-saved")


def test_refused_change_shows_why_in_the_row(page, users, stores, shelf, browser_problems):
    browser_problems.allow(r"400")
    logged_in_as(page, users["employee"])
    page.goto("/stock/?q=SNK-1")

    page.locator("#stock-results").get_by_role("link", name="Change").first.click()
    form = page.locator("tr.editing form")
    form.get_by_label("Action").select_option("remove")
    form.get_by_label("Quantity").fill("50")
    form.get_by_role("button", name="Save").click()

    expect(page.locator("tr.editing")).to_contain_text("stock cannot go below zero")
    assert on_hand(shelf["runner"], stores["BER"]) == 5


def test_product_page_totals_follow_an_inline_change(page, screenshot, users, stores, shelf):
    logged_in_as(page, users["manager"])
    page.goto("/stock/products/SNK-1")
    totals = page.locator("#product-totals .stat-value").first
    expect(totals).to_have_text("134")

    ham_row = page.locator("tr", has=page.locator("a", has_text="HAM"))
    ham_row.get_by_role("link", name="Change").click()
    form = page.locator("tr.editing form")
    form.get_by_label("Action").select_option("count")
    form.get_by_label("Quantity").fill("6")
    form.get_by_role("button", name="Save").click()

    expect(totals).to_have_text("131")  # refreshed by the stock-changed event
    expect(page.locator("#product-movements")).to_contain_text("count")
    screenshot("product-page-after-count")


def test_filters_and_paging(page, users, shelf):
    logged_in_as(page, users["manager"])
    page.goto("/stock/?location=WH")

    expect(page.locator("#stock-results tbody tr[id^=level-]")).to_have_count(50)
    page.locator("#stock-results").get_by_role("link", name="Next ›").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator("#stock-results tbody tr[id^=level-]")).to_have_count(7)

    page.goto("/stock/?location=")
    page.get_by_label("Out of stock").check()
    expect(page.locator("#stock-results tbody tr[id^=level-]")).to_have_count(1)
    expect(page.locator("#stock-results")).to_contain_text("JKT-1")


def test_search_and_change_work_without_javascript(browser, live_server, users, stores, shelf):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    try:
        logged_in_as(page, users["employee"])
        page.goto("/stock/")
        page.locator("#q").fill("SNK-1")
        page.get_by_role("button", name="Search").click()
        expect(page.locator("tbody tr[id^=level-]")).to_have_count(1)

        page.get_by_role("link", name="Change").click()
        expect(page.locator("h1")).to_contain_text("SNK-1")
        page.get_by_label("Action").select_option("remove")
        page.get_by_label("Quantity").fill("2")
        page.get_by_label("Reason").select_option("damage")
        page.get_by_role("button", name="Save").click()

        expect(page).to_have_url(re.compile(r"/stock/\?"))
        expect(page.locator(".flash-success")).to_contain_text("SNK-1")
        assert on_hand(shelf["runner"], stores["BER"]) == 3
    finally:
        context.close()
