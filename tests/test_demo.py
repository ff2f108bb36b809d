"""The demo retailer loads once, is realistic, and every demo login works."""

from __future__ import annotations

from collections import Counter

import pytest
from peewee import fn

from portal.auth.models import User
from portal.demo import data
from portal.demo.loader import ean13, load_demo
from portal.inventory.models import IncomingStock, Product, StockLevel, StockMovement
from portal.locations.models import Location
from tests.conftest import login


@pytest.fixture
def demo(ctx):
    return load_demo(product_count=120)


def test_demo_has_stores_warehouses_marketplace_and_suppliers(demo):
    kinds = Counter(loc.kind for loc in Location.select())

    assert kinds == {"store": 12, "warehouse": 2, "marketplace": 1, "supplier": 2}
    assert Location.get(Location.code == "SUP-NL").country == "NL"
    assert all(loc.latitude and loc.longitude for loc in Location.select())


def test_loading_twice_changes_nothing(demo):
    counts = (Location.select().count(), Product.select().count(), StockLevel.select().count())

    assert load_demo(product_count=120) == "Demo data is already loaded."
    assert counts == (Location.select().count(), Product.select().count(),
                      StockLevel.select().count())


def test_products_have_valid_eans_and_some_are_high_demand(demo):
    products = list(Product.select())

    assert len(products) == 120
    assert all(p.ean == ean13(p.ean[:12]) for p in products)
    assert any("high-demand" in p.tags for p in products)
    assert len({p.category for p in products}) == len(data.CATEGORIES)


def test_stock_has_zeros_and_incoming_and_matches_its_ledger(demo):
    assert StockLevel.select().where(StockLevel.on_hand == 0).exists()
    assert IncomingStock.select().count() > 0
    ledger = {(row.product_id, row.location_id): (row.on_hand, row.safety) for row in
              StockMovement.select(StockMovement.product, StockMovement.location,
                                   fn.SUM(StockMovement.on_hand_delta).alias("on_hand"),
                                   fn.SUM(StockMovement.safety_delta).alias("safety"))
              .group_by(StockMovement.product, StockMovement.location)}
    levels = {(lvl.product_id, lvl.location_id): (lvl.on_hand, lvl.safety_stock)
              for lvl in StockLevel.select()}
    assert ledger == levels


def test_every_demo_user_logs_in_with_the_demo_password(demo, app):
    emails = [email for email, _name, _role in data.STAFF] + [
        f"{row[-1]}@example.com" for row in data.STORES]

    assert User.select().count() == len(emails) == 15
    for email in emails:
        assert login(app.test_client(), email, data.DEMO_PASSWORD).status_code == 302, email
    assert User.get(User.email == "berlin@example.com").home_store.code == "BER"


def test_demo_cli_loads_and_reports(app):
    result = app.test_cli_runner().invoke(args=["demo", "load", "--products", "30"])

    assert result.exit_code == 0
    assert "Loaded 17 locations, 30 products" in result.output
