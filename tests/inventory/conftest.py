"""Products and stock rows for inventory tests."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.inventory.models import Product


def make_product(sku: str = "SNK-1", **fields) -> Product:
    defaults = {"name": f"Product {sku}", "price": Decimal("49.99"), "brand": "Nordkap",
                "category": "Sneaker"}
    return Product.create(sku=sku, **{**defaults, **fields})


@pytest.fixture
def product(ctx):
    return make_product("SNK-1", ean="4012345000017", name="Runner schwarz")
