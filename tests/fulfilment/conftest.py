"""Shelves, paid orders and their fulfilments for the fulfilment tests."""

from __future__ import annotations

import pytest

from portal.fulfilment.models import FulfillmentOrder
from portal.inventory import services as stock
from portal.inventory.models import StockLevel
from portal.orders.services import place_order
from portal.payments.services import record_in_store_payment
from tests.inventory.conftest import make_product
from tests.orders.test_place_order import web_order


@pytest.fixture
def shelf(stores):
    """Shoes at BER (3) and HAM (1), caps at WH (5); postcodes for the distance rules."""
    for code, postcode in (("BER", "10178"), ("HAM", "20095"), ("WH", "34123")):
        stores[code].postcode = postcode
        stores[code].save()
    shoe, cap = make_product("SNK-1"), make_product("CAP-1")
    stock.receive_stock(shoe, stores["BER"], 3)
    stock.receive_stock(shoe, stores["HAM"], 1)
    stock.receive_stock(cap, stores["WH"], 5)
    return {"shoe": shoe, "cap": cap}


def paid_order(*lines, sources=None, **fields):
    """A web order from the given locations (SKU → code), paid in store: confirmed."""
    order = place_order(web_order(*lines, sources=sources or {}, **fields))
    record_in_store_payment(order, "cash", "", "test")
    return order


def fulfilments(order) -> list[FulfillmentOrder]:
    return list(FulfillmentOrder.select().where(FulfillmentOrder.order == order.id)
                .order_by(FulfillmentOrder.id))


def level(product, location) -> tuple[int, int]:
    row = StockLevel.get(StockLevel.product == product, StockLevel.location == location)
    return row.on_hand, row.reserved
