"""The managers' insights page in a real browser: Chart.js draws every chart under the
strict CSP (the page fixture fails on any console error) and the tables fold away."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from portal.feeds.models import SupplierFeed
from portal.inventory.models import Product, StockLevel, StockMovement
from portal.orders.models import Order
from portal.returns.models import ReturnEvent, ReturnLine, ReturnOrder
from portal.suppliers.models import Supplier
from tests.conftest import make_store
from tests.e2e.test_roles_browser import logged_in_as
from tests.test_insights import NOW, _order


@pytest.fixture
def busy_month(shop_data, stores):
    """A month of orders on every channel, some split, distances recorded; returns with
    refunds, two stores out of stock, a fresh and a stale feed."""
    products = [Product.create(sku=f"INS-{i}", name=f"Article {i}", price=Decimal("5.00"))
                for i in range(3)]
    ber, ham, wh = stores["BER"], stores["HAM"], stores["WH"]
    channels = ("web", "web", "store", "order_in_store", "marketplace", "web")
    for day in range(30):
        at = NOW - timedelta(days=day)
        for n in range(3 + (day * 7) % 9):
            places = {wh: 1, ber: 1} if (day + n) % 6 == 0 else {(wh, ber, ham)[n % 3]: 2}
            _order(channels[(day + n) % len(channels)], at - timedelta(minutes=n),
                   [(products[n % 3], sum(places.values()), places)],
                   km=float(40 + (day * 37 + n * 53) % 400))
    first = Order.select().order_by(Order.id).first()
    for day in range(1, 20, 2):
        rma = ReturnOrder.create(number=f"RMA-{day}", order=first, status="received",
                                 drop_off="store", location=ber,
                                 received_at=NOW - timedelta(days=day))
        ReturnLine.create(return_order=rma, order_line=first.lines[0], quantity=1 + day % 3)
        ReturnEvent.create(return_order=rma, kind="refunded",
                           at=rma.received_at + timedelta(hours=2 + day * 3))
    for i, store in enumerate((ber, ham)):
        for product in products[: 2 - i]:
            StockLevel.get_or_create(product=product, location=store)
            StockMovement.create(product=product, location=store, kind="sale",
                                 on_hand_delta=-1, at=NOW - timedelta(days=3))
    for code, hours in (("VEN", 30), ("BIE", 2)):
        place = make_store(code, f"Supplier {code}", 51.3, 7.1, kind="supplier")
        supplier = Supplier.create(code=code, name=f"{code.title()} Wholesale", location=place)
        SupplierFeed.create(supplier=supplier, location=place, name="Stock CSV",
                            url="https://example.com/s.csv", stale_after_hours=24,
                            last_success_at=NOW - timedelta(hours=hours))


def test_manager_sees_the_charts(page, screenshot, users, busy_month):
    logged_in_as(page, users["manager"])
    page.goto("/")
    page.get_by_role("link", name="Insights").click()

    expect(page.get_by_role("heading", name="Insights", exact=True)).to_be_visible()
    charts = page.locator("figure.chart[data-chart-ready] canvas")
    expect(charts).to_have_count(6)
    expect(page.locator("details.chart-table[open]")).to_have_count(0)
    expect(page.locator("details.chart-table table").first).to_be_hidden()
    box = charts.first.bounding_box()
    assert box and box["height"] > 100 and box["width"] > 200
    screenshot("manager-insights")

    page.get_by_role("link", name="7 days").click()
    expect(page.get_by_role("link", name="7 days")).to_have_attribute("aria-current", "page")
    expect(page.locator("figure.chart[data-chart-ready]")).to_have_count(6)
    screenshot("manager-insights-7-days")
