"""Cancelling a paid order in a real browser: the employee confirms the dialog, the cash
goes back (the page says how much to hand over) and the refund shows under the payment."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.inventory import services as stock
from portal.orders.models import Order
from portal.orders.services import place_order
from tests.e2e.test_roles_browser import logged_in_as
from tests.inventory.conftest import make_product
from tests.orders.test_place_order import web_order

pytestmark = pytest.mark.browser


def test_employee_cancels_a_cash_paid_order_and_refunds_it(page, screenshot, users, stores):
    stock.receive_stock(make_product("CAP-1", name="Wollmütze"), stores["BER"], 2)
    order = place_order(web_order(("CAP-1", 1), channel="store", store="BER"))
    logged_in_as(page, users["employee"])
    page.goto(page.url + f"orders/{order.number}")

    page.get_by_label("Method").select_option("cash")
    page.get_by_role("button", name=re.compile("Record payment of")).click()
    expect(page.locator("#payments")).to_contain_text("Paid")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_label("Reason").fill("Customer changed their mind")
    page.get_by_role("button", name=re.compile("Cancel and refund")).click()

    expect(page.locator(".flash-info")).to_contain_text("back to the customer in cash")
    expect(page.locator("#payments tr.refund")).to_contain_text("Refunded")
    expect(page.locator("ol.timeline")).to_contain_text("Refund")
    screenshot("order-cancelled-with-refund")
    assert Order.get_by_id(order.id).status == "cancelled"
