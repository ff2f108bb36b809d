"""Every role's dashboard shows real figures from the database."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.inventory.models import IncomingStock, Product, StockLevel


@pytest.fixture
def stock(stores):
    shoe = Product.create(sku="SNK-1", ean="4000000000017", name="Runner schwarz",
                          price=Decimal("89.99"), tags="high-demand")
    jacket = Product.create(sku="JKT-1", name="Regenjacke navy", price=Decimal("129.00"))
    StockLevel.create(product=shoe, location=stores["BER"], on_hand=7, reserved=2)
    StockLevel.create(product=jacket, location=stores["BER"], on_hand=1, safety_stock=1)
    StockLevel.create(product=shoe, location=stores["WH"], on_hand=400)
    IncomingStock.create(product=jacket, location=stores["BER"], quantity=12,
                         expected_on=date.today() + timedelta(days=3), source="transfer",
                         reference="TR-77")
    IncomingStock.create(product=shoe, location=stores["WH"], quantity=300,
                         expected_on=date.today() - timedelta(days=2), source="supplier_order",
                         reference="PO-LATE")
    return shoe, jacket


def _page(client) -> str:
    return client.get("/").get_data(as_text=True)


def test_employee_dashboard_shows_their_store(as_role, stock):
    page = _page(as_role("employee"))

    assert "Berlin Mitte" in page
    assert "Regenjacke navy" in page  # running low: available 0
    assert "TR-77" in page            # incoming here
    assert "PO-LATE" not in page      # another location's delivery
    assert "Hamburg City" in page     # nearest stores


def test_logistics_dashboard_shows_warehouses_and_late_deliveries(as_role, stock):
    page = _page(as_role("logistics"))

    assert "Central Warehouse" in page
    assert "PO-LATE" in page and "late" in page


def test_manager_dashboard_counts_the_pool(as_role, stock):
    page = _page(as_role("manager"))

    assert "Units in the pool" in page
    assert ">408<" in page.replace(" ", "")  # 7 + 1 + 400 on hand
    assert "High-demand products" in page


def test_admin_dashboard_counts_users_and_keys(as_role, stock):
    page = _page(as_role("admin"))

    assert "Active API keys" in page
    assert "user.created" in page  # recent changes
