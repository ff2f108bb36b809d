"""Delivered orders to return: shelves at BER, HAM and a returns warehouse WH, a web
order shipped from the warehouse and delivered."""

from __future__ import annotations

import pytest

from portal.orders.models import Order
from portal.shipping.tracking import report
from tests.fulfilment.conftest import shelf  # noqa: F401 - the fixture, re-exported
from tests.shipping.shipped import shipped_order


@pytest.fixture
def returns_wh(stores):
    """The warehouse takes returns by post (it has a street for the label)."""
    stores["WH"].accepts_returns = True
    stores["WH"].street, stores["WH"].postcode, stores["WH"].city = (
        "Sandershäuser Straße 34", "34123", "Kassel")
    stores["WH"].save()
    return stores["WH"]


def delivered_order(users, *lines, **fields) -> Order:
    """A paid web order (CAP-1 from WH unless told), shipped and delivered."""
    order, shipments = shipped_order(users["logistics"], *(lines or (("CAP-1", 2),)), **fields)
    for shipment in shipments:
        report(shipment, "delivered", users["logistics"])
    return Order.get_by_id(order.id)
