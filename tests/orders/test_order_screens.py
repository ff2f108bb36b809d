"""Order list and detail for staff (store-scoped), cancel, and the public tracking page."""

from __future__ import annotations

import pytest

from portal.inventory import services as stock
from portal.orders.models import Order
from portal.orders.services import place_order
from tests.conftest import csrf_token
from tests.inventory.conftest import make_product
from tests.orders.test_place_order import web_order


@pytest.fixture
def orders(ctx, stores):
    product = make_product("SNK-1")
    stock.receive_stock(product, stores["BER"], 5)
    stock.receive_stock(product, stores["HAM"], 5)
    berlin = place_order(web_order(("SNK-1", 1), delivery_method="click_collect",
                                   pickup_location="BER", customer_name="Anna Berlin"))
    hamburg = place_order(web_order(("SNK-1", 1), delivery_method="click_collect",
                                    pickup_location="HAM", customer_name="Hans Hamburg"))
    return {"BER": berlin, "HAM": hamburg}


def test_manager_sees_and_searches_all_orders(as_role, orders):
    client = as_role("manager")

    page = client.get("/orders/").get_data(as_text=True)
    found = client.get("/orders/?q=hans", headers={"HX-Request": "true"}).get_data(as_text=True)

    assert orders["BER"].number in page and orders["HAM"].number in page
    assert orders["HAM"].number in found and orders["BER"].number not in found
    assert "<html" not in found


def test_employee_sees_only_their_stores_orders(as_role, orders):
    client = as_role("employee")

    page = client.get("/orders/").get_data(as_text=True)

    assert orders["BER"].number in page and orders["HAM"].number not in page
    assert client.get(f"/orders/{orders['BER'].number}").status_code == 200
    assert client.get(f"/orders/{orders['HAM'].number}").status_code == 404
    assert client.post(f"/orders/{orders['HAM'].number}/cancel",
                       data={"csrf_token": csrf_token(client, "/")}).status_code == 404


def test_detail_shows_lines_reservations_and_timeline(as_role, orders):
    page = as_role("manager").get(f"/orders/{orders['BER'].number}").get_data(as_text=True)

    assert "SNK-1" in page and "BER × 1" in page and "Awaiting payment" in page


def test_employee_cancels_an_order_of_their_store(as_role, orders):
    client = as_role("employee")

    response = client.post(f"/orders/{orders['BER'].number}/cancel",
                           data={"csrf_token": csrf_token(client, "/"), "reason": "no-show"})

    assert response.status_code == 302
    assert Order.get_by_id(orders["BER"].id).status == "cancelled"
    assert "stock is free again" in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_bad_filters_do_not_fail(as_role, orders):
    client = as_role("manager")

    for query in ("from=2026-13-45", "status=nonsense", "page=-1", "q=" + "x" * 300):
        assert client.get(f"/orders/?{query}").status_code == 200, query


def test_tracking_page_is_public_and_shows_no_personal_data(client, orders):
    order = Order.get_by_id(orders["BER"].id)

    page = client.get(f"/track/{order.tracking_token}").get_data(as_text=True)

    assert order.number in page and "Awaiting payment" in page
    assert "Anna" not in page and "erika@example.com" not in page
    assert client.get("/track/not-a-token").status_code == 404


def test_employee_records_an_in_store_payment(as_role, orders):
    client = as_role("employee")
    number = orders["BER"].number
    assert "Take payment in store" in client.get(f"/orders/{number}").get_data(as_text=True)

    refused = client.post(f"/orders/{number}/pay-in-store", data={
        "csrf_token": csrf_token(client, "/"), "method": "card_terminal", "reference": ""})
    assert Order.get_by_id(orders["BER"].id).status == "pending_payment"
    assert "receipt number" in client.get(refused.headers["Location"]).get_data(as_text=True)

    client.post(f"/orders/{number}/pay-in-store", data={
        "csrf_token": csrf_token(client, "/"), "method": "cash"})
    assert Order.get_by_id(orders["BER"].id).status == "confirmed"
    assert client.post(f"/orders/{orders['HAM'].number}/pay-in-store", data={
        "csrf_token": csrf_token(client, "/"), "method": "cash"}).status_code == 404


def test_manager_filters_orders_by_location(as_role, orders):
    client = as_role("manager")

    hamburg = client.get("/orders/?location=HAM", headers={"HX-Request": "true"}).get_data(
        as_text=True)
    unknown = client.get("/orders/?location=NOPE").get_data(as_text=True)

    assert orders["HAM"].number in hamburg and orders["BER"].number not in hamburg
    assert orders["HAM"].number not in unknown and orders["BER"].number not in unknown
    assert '<option value="HAM" selected>' in client.get("/orders/?location=ham").get_data(
        as_text=True)


def test_employees_get_no_location_filter(as_role, orders):
    page = as_role("employee").get("/orders/?location=HAM").get_data(as_text=True)

    assert 'id="location"' not in page and orders["HAM"].number not in page
