"""Booking announced deliveries in from the location page and the dashboards."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.inventory import services
from portal.inventory.models import IncomingStock, StockLevel, StockMovement
from tests.conftest import csrf_token


@pytest.fixture
def deliveries(product, stores, users):
    soon = date.today() + timedelta(days=1)
    return {code: services.add_incoming(product, stores[code], 12, soon, reference=f"PO-{code}",
                                        user=users["manager"])
            for code in ("BER", "HAM", "WH")}


def _receive(client, incoming, htmx=False, **data):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/stock/incoming/{incoming.id}/receive", headers=headers,
                       data={"csrf_token": csrf_token(client, "/"), **data})


def on_hand(product, location) -> int:
    level = StockLevel.get_or_none(StockLevel.product == product,
                                   StockLevel.location == location)
    return level.on_hand if level else 0


def test_employee_books_in_a_delivery_to_their_store(as_role, deliveries, product, stores):
    client = as_role("employee")
    assert "Book in" in client.get("/locations/BER").get_data(as_text=True)

    response = _receive(client, deliveries["BER"], next="/locations/BER")

    assert response.headers["Location"] == "/locations/BER"
    assert on_hand(product, stores["BER"]) == 12
    assert IncomingStock.get_by_id(deliveries["BER"].id).status == "received"


def test_a_counted_quantity_can_differ(as_role, deliveries, product, stores):
    response = _receive(as_role("manager"), deliveries["HAM"], htmx=True, quantity="10")

    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "stock-changed"
    assert "PO-HAM" in response.get_data(as_text=True)
    assert on_hand(product, stores["HAM"]) == 10


def test_logistics_books_in_at_warehouses_only(as_role, deliveries, product, stores):
    client = as_role("logistics")

    assert _receive(client, deliveries["BER"]).status_code == 404
    assert _receive(client, deliveries["WH"]).status_code == 302
    assert (on_hand(product, stores["BER"]), on_hand(product, stores["WH"])) == (0, 12)


def test_employee_cannot_book_in_for_another_store(as_role, deliveries, product, stores):
    assert _receive(as_role("employee"), deliveries["HAM"]).status_code == 404
    assert on_hand(product, stores["HAM"]) == 0


def test_receiving_twice_or_a_bad_quantity_changes_nothing(as_role, deliveries, product,
                                                          stores):
    client = as_role("manager")
    _receive(client, deliveries["WH"])
    before = StockMovement.select().count()

    again = _receive(client, deliveries["WH"], htmx=True)
    bad = _receive(client, deliveries["BER"], htmx=True, quantity="-3")

    assert again.status_code == 400 and "already received" in again.get_data(as_text=True)
    assert bad.status_code == 400
    assert StockMovement.select().count() == before
    assert IncomingStock.get_by_id(deliveries["BER"].id).status == "open"
