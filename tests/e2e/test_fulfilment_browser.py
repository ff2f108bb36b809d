"""The work queue in a real browser: a logistics user accepts, picks, packs and ships a
warehouse fulfilment with htmx, and the order page then shows the order shipped."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.inventory import services as stock
from tests.e2e.test_roles_browser import logged_in_as
from tests.fulfilment.conftest import paid_order
from tests.inventory.conftest import make_product

pytestmark = pytest.mark.browser


def test_logistics_ships_a_warehouse_fulfilment(page, screenshot, users, stores):
    stock.receive_stock(make_product("CAP-1", name="Kappe Nordlicht"), stores["WH"], 5)
    order = paid_order(("CAP-1", 2))
    number = f"{order.number}-1"

    logged_in_as(page, users["logistics"])
    page.locator("nav.mainnav").get_by_role("link", name="Fulfilment", exact=True).click()
    row = page.locator("#queue tbody tr", has_text=number)
    expect(row).to_contain_text("Assigned")
    expect(row).to_contain_text("CAP-1 × 2")
    screenshot("fulfilment-queue-assigned")

    for button, status in (("Accept", "Accepted"), ("Start picking", "Picking"),
                           ("Packed", "Packed")):
        row.get_by_role("button", name=button, exact=True).click()
        expect(page.locator("#queue .report")).to_contain_text(f"{number}: {status}.")
        expect(row).to_contain_text(status)
    screenshot("fulfilment-queue-packed")
    row.get_by_role("button", name="Shipped", exact=True).click()
    expect(page.locator("#queue .report")).to_contain_text(f"{number}: Shipped.")
    screenshot("fulfilment-queue-shipped")

    row.get_by_role("link", name=order.number).click()
    expect(page.locator("h1 .badge")).to_have_text("Shipped")
    expect(page.locator("ol.timeline")).to_contain_text("In fulfilment")
    screenshot("fulfilment-order-shipped")
