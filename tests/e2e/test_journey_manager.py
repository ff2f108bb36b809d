"""Journey of a manager: outdoor gear should leave from the warehouse, not from the
stores' shelves. The manager adds that rule to a new draft, puts it before the general
rule, simulates it on the orders there are, publishes it, and the web shop's next order
(through the API) is sourced from the warehouse, as the order page shows."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.auth.services import create_api_key
from portal.orders.models import Order, OrderLine, Reservation
from portal.orders.services import NewOrder, place_order
from portal.sourcing.models import RuleSet
from tests.conftest import make_store
from tests.e2e.journeys import Steps
from tests.e2e.test_roles_browser import logged_in_as

pytestmark = pytest.mark.browser

RULE = "Outdoor gear from the warehouse"
SKU = "SKU-10003"  # category Outdoor; Berlin 12, Hamburg 9, warehouse 600 (shop_data)
BERLIN = {"customer_name": "Erika Mustermann", "ship_name": "Erika Mustermann",
          "ship_street": "Unter den Linden 1", "ship_postcode": "10117", "ship_city": "Berlin"}


def held_at(order: Order) -> list[str]:
    """The codes of the locations holding the order's units."""
    return [r.location.code for r in Reservation.select().join(OrderLine)
            .where(OrderLine.order == order.id)]


@pytest.fixture
def earlier_order(shop_data):
    """A supplier (so the copied drop-ship rule has a pool) and one web order to Berlin,
    placed under the built-in rules: the Berlin store holds it."""
    make_store("VEN", "Venlo Supplier", 51.37, 6.17, kind="supplier", country="NL")
    return place_order(NewOrder(channel="web", lines=[{"sku": SKU, "quantity": 2}], **BERLIN))


@pytest.fixture
def web_shop_key(ctx):
    return create_api_key("Web shop", ["orders:write", "orders:read"])[1]


def test_manager_publishes_a_warehouse_rule_and_the_next_order_follows_it(
        page, screenshot, users, earlier_order, web_shop_key):
    steps = Steps(screenshot, "manager")
    assert held_at(earlier_order) == ["BER"]

    # 1. The rules in use: the built-in ones.
    logged_in_as(page, users["manager"])
    page.get_by_role("link", name="Sourcing rules", exact=True).click()
    expect(page.locator("h1")).to_have_text("Sourcing rules")
    steps.shot("rules_in_use")

    # 2. A new draft, and the new rule in it.
    page.get_by_role("button", name="New draft", exact=True).click()
    expect(page).to_have_url(re.compile(r"/sourcing/1$"))
    expect(page.locator("#rule-list > li")).to_have_count(3)
    page.get_by_role("link", name="Add rule").click()
    page.get_by_label("Name", exact=True).fill(RULE)
    page.get_by_label("Article categories").select_option("Outdoor")
    page.get_by_role("checkbox", name="Warehouse", exact=True).check()
    page.get_by_label("Best first by").select_option("stock")
    steps.shot("rule_form")
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator(".flash-success")).to_contain_text(f"Rule “{RULE}” saved.")
    new_rule = page.locator("#rule-3")
    expect(new_rule).to_contain_text(RULE)
    expect(new_rule).to_contain_text("Outdoor")
    expect(new_rule).to_contain_text("Locations of kind: Warehouse.")

    # 3. Before the general rule: moved up twice with the keyboard-friendly buttons.
    page.get_by_role("button", name=f"Move “{RULE}” up").click()
    expect(page.locator("#rule-2 h3")).to_contain_text(RULE)
    page.get_by_role("button", name=f"Move “{RULE}” up").click()
    expect(page.locator("#rule-1 h3")).to_contain_text(RULE)
    expect(page.locator("#rule-2 h3")).to_contain_text("Nearest with the fewest parcels")
    steps.shot("draft_with_rule")

    # 4. What it would have done with the orders there are: the Berlin order moves.
    page.get_by_role("button", name="Simulate", exact=True).click()
    result = page.locator("#simulation-result")
    expect(result).to_contain_text("Result on the last order")
    expect(result).to_contain_text("1 order is planned differently")
    difference = result.locator("tbody.difference", has_text=earlier_order.number)
    plans = difference.locator("tr").first.locator("td")
    expect(plans.nth(1)).to_have_text(re.compile(r"BER\s*× 2"))
    expect(plans.nth(2)).to_have_text(re.compile(r"WH\s*× 2"))
    difference.locator("summary").click()
    expect(difference.locator(".trace").nth(1)).to_contain_text(RULE)
    steps.shot("simulation")

    # 5. Published.
    page.get_by_role("button", name="Publish…").click()
    expect(page.locator("h1")).to_have_text("Publish version 1?")
    steps.shot("publish_confirm")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("Version 1 is published")
    expect(page.locator("table.versions tbody tr").first).to_contain_text("Published")
    steps.shot("published")
    assert RuleSet.get().status == "published"

    # 6. The web shop's next order, like the first one, arrives through the API...
    answer = page.request.post("/api/v1/orders", headers={
        "Authorization": f"Bearer {web_shop_key}", "Idempotency-Key": "journey-manager-1"},
        data={"channel": "web",
              "customer": {"name": "Jonas Becker", "email": "jonas@example.org"},
              "shipping_address": {"name": "Jonas Becker", "street": "Torstraße 5",
                                   "postcode": "10119", "city": "Berlin", "country": "DE"},
              "delivery": {"method": "home"}, "lines": [{"sku": SKU, "quantity": 2}],
              "payment": {"provider": "sandbox"}})
    assert answer.status == 201, answer.text()
    number = answer.json()["number"]
    assert [f["location"] for f in answer.json()["fulfillments"]] == ["WH"]

    # 7. ...and the manager sees it held at the warehouse, by the published rule.
    page.locator("nav.mainnav").get_by_role("link", name="Orders", exact=True).click()
    page.get_by_role("link", name=number, exact=True).click()
    expect(page.locator("h1")).to_contain_text(number)
    lines = page.locator("section.card", has=page.get_by_role("heading", name="Lines"))
    expect(lines).to_contain_text("WH × 2")
    expect(page.locator("#part-WH")).to_contain_text(f"{SKU} × 2")
    expect(page.locator("#fulfilments tbody tr")).to_have_count(1)
    decision = page.locator("#sourcing details").last
    expect(decision.locator("summary")).to_contain_text(f"rule “{RULE}” · version 1")
    steps.shot("next_order_from_warehouse")
    assert held_at(Order.get(Order.number == number)) == ["WH"]
