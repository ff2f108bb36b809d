"""At the counter in a real browser: an employee sells an article the store lacks
(Order in Store) from search to confirmation, and a plain sale the customer takes along."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.orders.models import Order
from tests.barcodes import decode_pdf
from tests.e2e.conftest import wait_for_htmx
from tests.e2e.test_roles_browser import logged_in_as

pytestmark = pytest.mark.browser


def test_employee_completes_an_order_in_store_from_search_to_confirmation(
        page, screenshot, users, shop_data, tmp_path):
    logged_in_as(page, users["employee"])  # works in Berlin, which has no SKU-10000
    page.get_by_role("link", name="Sell", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Sell")
    wait_for_htmx(page, "#code")  # reached by a boosted link: typed earlier, no suggestions

    page.get_by_label("Scan or type SKU, EAN or name").fill("Trail Runner")
    suggestion = page.locator("#suggestions button", has_text="SKU-10000")
    expect(suggestion).to_be_visible()
    screenshot("counter-search")
    suggestion.click()

    row = page.locator("#line-SKU-10000")
    expect(row).to_contain_text("Order in Store")
    expect(page.get_by_label("Scan or type SKU, EAN or name")).to_have_value("")
    expect(page.locator("#suggestions button")).to_have_count(0)
    source = row.get_by_label("Where SKU-10000 comes from")
    expect(source.locator("option:checked")).to_contain_text("Hamburg City (HAM)")
    source.select_option("WH")  # the employee prefers the warehouse
    expect(page.locator("#line-SKU-10000 select option:checked")).to_contain_text(
        "Central Warehouse (WH)")
    expect(page.locator("#line-SKU-10000")).to_contain_text("Order in Store")

    page.get_by_label("Picks them up here later").check()
    page.get_by_label("Name", exact=True).fill("Mia Kundin")
    page.get_by_label("E-mail (for the confirmation)").fill("mia@example.org")
    page.get_by_label("Card terminal", exact=True).check()
    page.get_by_label("Card terminal receipt number").fill("T-2026-4711")
    screenshot("counter-order-in-store")
    page.get_by_role("button", name=re.compile("Take payment of")).click()

    expect(page.locator("h1.order-number")).to_have_text(re.compile(r"OMS-\d{4}-\d{6}"))
    expect(page.locator(".sale-done")).to_contain_text("Confirmed")
    expect(page.locator(".sale-done")).to_contain_text("picks the goods up at Berlin Mitte")
    screenshot("counter-confirmation")
    order = Order.get()
    assert (order.channel, order.status) == ("order_in_store", "confirmed")

    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Print confirmation (PDF)").click()
    assert opened.value.url.endswith(f"/counter/confirmation/{order.number}.pdf")
    pdf = page.request.get(opened.value.url)
    assert pdf.headers["content-type"] == "application/pdf"
    assert f"CODE-128:{order.number}" in decode_pdf(pdf.body(), tmp_path)


def test_scanned_sale_is_taken_along(page, screenshot, users, shop_data):
    logged_in_as(page, users["employee"])
    page.goto("/counter/")

    scan = page.get_by_label("Scan or type SKU, EAN or name")
    scan.fill("4012345000003")  # EAN of SKU-10003, 12 on the shelf in Berlin
    scan.press("Enter")
    expect(page.locator("#line-SKU-10003")).to_contain_text("This store · 12 available")
    expect(scan).to_have_value("")  # ready for the next scan
    expect(scan).to_be_focused()
    page.locator("#line-SKU-10003").get_by_label("Quantity of SKU-10003").fill("2")
    page.locator("#line-SKU-10003").get_by_label("Quantity of SKU-10003").press("Tab")
    expect(page.locator("#checkout-summary button")).to_contain_text("99.98")  # 2 × 49.99
    screenshot("counter-basket")

    page.get_by_role("button", name=re.compile("Take payment of")).click()

    expect(page.locator(".sale-done")).to_contain_text("took the goods along")
    expect(page.locator(".sale-done")).to_contain_text("Collected")
