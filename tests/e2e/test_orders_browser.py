"""A web order in a real browser: the customer pays on the sandbox page (3-D Secure),
the signed webhook arrives over HTTP, the tracking page and the staff screens follow."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.auth.services import create_api_key
from portal.inventory import services as stock
from tests.e2e.test_roles_browser import logged_in_as
from tests.inventory.conftest import make_product
from tests.orders.test_orders_api import BODY

pytestmark = pytest.mark.browser


def test_customer_pays_with_3ds_and_staff_see_the_confirmed_order(
        page, live_server, screenshot, users, stores, app):
    stock.receive_stock(make_product("SNK-1", name="Nordlicht Trail Runner"), stores["BER"], 5)
    _key, plain = create_api_key("Web shop", ["orders:write"])
    client = app.test_client()
    created = client.post("/api/v1/orders", json=BODY, base_url=live_server, headers={
        "Authorization": f"Bearer {plain}", "Idempotency-Key": "browser-1"}).json

    page.goto(created["payment"]["next_action"]["url"])
    page.get_by_label("Card number").fill("4000 0027 6000 3184")
    screenshot("sandbox-payment-page")
    page.get_by_role("button", name="Pay now").click()
    page.get_by_role("button", name="Complete authentication").click()
    expect(page.locator("h1")).to_have_text("Payment approved")

    page.get_by_role("link", name=re.compile("Follow your order")).click()
    expect(page.locator(".tracking-status")).to_have_text("Confirmed", timeout=10_000)
    screenshot("tracking-confirmed")

    logged_in_as(page, users["employee"])
    page.get_by_role("link", name="Orders", exact=True).click()
    page.locator("#q").fill(created["number"])
    expect(page.locator("#order-rows tbody tr")).to_have_count(1)
    page.get_by_role("link", name=created["number"]).click()
    expect(page.locator("ol.timeline")).to_contain_text("Confirmed")
    screenshot("order-detail-confirmed")
