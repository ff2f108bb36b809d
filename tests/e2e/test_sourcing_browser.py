"""A manager changes the sourcing rules in a real browser: new draft, a rule added and
edited, reordered by drag and drop and by the keyboard, simulated, published."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.orders.services import NewOrder, place_order
from portal.sourcing import services
from portal.sourcing.models import RuleSet
from tests.conftest import make_store
from tests.e2e.test_roles_browser import logged_in_as

pytestmark = pytest.mark.browser


def rule_titles(page) -> list[str]:
    return [re.sub(r"^\d+\s*", "", text.strip())
            for text in page.locator("#rule-list > li h3").all_inner_texts()]


@pytest.fixture
def orders(shop_data):
    """A supplier warehouse (so the built-in drop-ship rule can publish) and a few orders."""
    make_store("VEN", "Venlo Supplier", 51.37, 6.17, kind="supplier", country="NL")
    products = shop_data["products"]
    placed = []
    for skus in ((3,), (3, 5), (0, 3), (7,), (5, 7)):
        placed.append(place_order(NewOrder(
            channel="web", customer_name="Erika Mustermann", ship_name="Erika Mustermann",
            ship_street="Unter den Linden 1", ship_postcode="10117", ship_city="Berlin",
            lines=[{"sku": products[i].sku, "quantity": 2} for i in skus])))
    return placed


def test_manager_edits_reorders_simulates_and_publishes_rules(page, screenshot, users, orders,
                                                             browser_problems):
    # A mistyped country is answered 400 on purpose; chromium logs that as a console error.
    browser_problems.allow(r"HTTP 400: POST .*/sourcing/1/rules/3$")
    browser_problems.allow(r"console error: Failed to load resource: .*status of 400")
    logged_in_as(page, users["manager"])
    page.get_by_role("link", name="Sourcing rules", exact=True).click()
    expect(page.locator("h1")).to_have_text("Sourcing rules")
    expect(page.locator("main")).to_contain_text("the built-in rules route orders")
    screenshot("sourcing-versions-before")

    page.get_by_role("button", name="New draft", exact=True).click()
    expect(page).to_have_url(re.compile(r"/sourcing/1$"))
    expect(page.locator("#rule-list > li")).to_have_count(3)

    page.get_by_role("link", name="Add rule").click()
    page.get_by_label("Name", exact=True).fill("Warehouse first")
    page.get_by_role("checkbox", name="Warehouse", exact=True).check()
    page.get_by_label("Best first by").select_option("stock")
    page.get_by_label("Locations per order at most").select_option("2")
    screenshot("sourcing-rule-form")
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator("#rule-list > li")).to_have_count(4)
    expect(page.locator("#rule-3")).to_contain_text("Locations of kind: Warehouse.")

    page.get_by_role("link", name="Edit “Warehouse first”").click()
    page.get_by_label("Name", exact=True).fill("Warehouse for big orders")
    page.get_by_label("Order value from (€)").fill("100")
    page.get_by_label("Destination countries").fill("Germany")
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator("#condition\\.countries-error")).to_have_text("Unknown: GERMANY")
    screenshot("sourcing-rule-form-error")
    page.get_by_label("Destination countries").fill("")
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator("#rule-3")).to_contain_text("Worth at least €100.00.")

    # Drag the new rule by its handle to the top: htmx posts the order, the list comes back.
    expect(page.locator("#rule-list.sortable-on")).to_have_count(1)
    page.locator("#rule-3 .drag-handle").drag_to(page.locator("#rule-0"), steps=12,
                                                  target_position={"x": 60, "y": 8})
    expect(page.locator("#rule-0 h3")).to_contain_text("Warehouse for big orders")
    assert [r.name for r in services.rules_of(RuleSet.get())][0] == "Warehouse for big orders"
    screenshot("sourcing-draft-after-drag")

    # The keyboard way: the move button keeps the focus on the rule that moved.
    page.get_by_role("button", name="Move “Warehouse for big orders” down").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#rule-1 h3")).to_contain_text("Warehouse for big orders")
    expect(page.locator("#rule-1 button.move-down")).to_be_focused()
    assert rule_titles(page)[:2] == ["Click & Collect from the pickup store",
                                     "Warehouse for big orders"]
    page.keyboard.press("Enter")  # and once more, still from the keyboard
    expect(page.locator("#rule-2 h3")).to_contain_text("Warehouse for big orders")
    expect(page.locator("#rule-2 button.move-down")).to_be_focused()
    # a drag that re-enabled the list after the swaps still works
    page.locator("#rule-2 .drag-handle").drag_to(page.locator("#rule-1"), steps=12,
                                                  target_position={"x": 60, "y": 8})
    expect(page.locator("#rule-1 h3")).to_contain_text("Warehouse for big orders")

    page.get_by_label("Last orders").fill("10")
    page.get_by_role("button", name="Simulate", exact=True).click()
    result = page.locator("#simulation-result")
    expect(result).to_contain_text("Result on the last 5 orders")
    expect(result.locator("table.compare tbody tr")).to_have_count(7)
    if result.locator("details").count():
        result.locator("details summary").first.click()
        expect(result.locator("details .trace").first).to_be_visible()
    screenshot("sourcing-simulation")

    page.get_by_role("button", name="Publish…").click()
    expect(page.locator("h1")).to_have_text("Publish version 1?")
    screenshot("sourcing-publish-confirm")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page).to_have_url(re.compile(r"/sourcing/$"))
    expect(page.locator("table.versions tbody tr").first).to_contain_text("Published")
    assert RuleSet.get().status == "published"
    screenshot("sourcing-versions-published")
