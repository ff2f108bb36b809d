"""POST /api/v1/orders with Idempotency-Key, GET and cancel."""

from __future__ import annotations

import json
import threading

import pytest

from portal.auth.services import create_api_key
from portal.inventory import services as stock
from portal.inventory.models import StockLevel
from portal.orders.models import Order
from tests.inventory.conftest import make_product

BODY = {"channel": "web",
        "customer": {"name": "Erika Mustermann", "email": "erika@example.com"},
        "shipping_address": {"name": "Erika Mustermann", "street": "Unter den Linden 1",
                             "postcode": "10117", "city": "Berlin", "country": "DE"},
        "delivery": {"method": "home"},
        "lines": [{"sku": "SNK-1", "quantity": 2}],
        "payment": {"provider": "sandbox"}}


@pytest.fixture
def shop(client, ctx, stores):
    stock.receive_stock(make_product("SNK-1"), stores["BER"], 3)
    _key, plain = create_api_key("Web shop", ["orders:write", "orders:read"])

    def post(body, key="k-1", path="/api/v1/orders", raw=None):
        headers = {"Authorization": f"Bearer {plain}", "Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        return client.post(path, data=raw if raw is not None else json.dumps(body),
                           headers=headers)

    def get(path):
        return client.get(path, headers={"Authorization": f"Bearer {plain}"})

    post.get = get
    return post


def reserved() -> int:
    return sum(level.reserved for level in StockLevel.select())


def test_create_order_returns_201_with_number_lines_and_fulfilments(shop):
    response = shop(BODY)

    assert response.status_code == 201
    body = response.json
    assert body["number"].startswith("OMS-") and body["status"] == "pending_payment"
    assert body["lines"] == [{"line": 1, "sku": "SNK-1", "quantity": 2, "unit_price": "49.99"}]
    assert body["fulfillments"] == [{"id": f"{body['number']}-BER", "location": "BER",
                                     "lines": [{"sku": "SNK-1", "quantity": 2}]}]
    assert shop.get(f"/api/v1/orders/{body['number']}").json == body


def test_same_key_same_body_replays_without_a_second_order(shop):
    first = shop(BODY)
    again = shop(json.loads(json.dumps(BODY)))  # same content, new request

    assert again.status_code == 201 and again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Order.select().count() == 1 and reserved() == 2


def test_same_key_other_body_is_422(shop):
    shop(BODY)
    other = {**BODY, "lines": [{"sku": "SNK-1", "quantity": 1}]}

    response = shop(other)

    assert response.status_code == 422
    assert response.json["error"]["code"] == "idempotency_key_reused"
    assert Order.select().count() == 1


def test_missing_key_is_400_and_creates_nothing(shop):
    response = shop(BODY, key=None)

    assert response.status_code == 400
    assert Order.select().count() == 0


def test_out_of_stock_is_409_and_reserves_nothing(shop):
    response = shop({**BODY, "lines": [{"sku": "SNK-1", "quantity": 4}]})

    assert response.status_code == 409
    assert response.json["error"]["code"] == "out_of_stock"
    assert reserved() == 0 and Order.select().count() == 0


@pytest.mark.parametrize("body,field", [
    ({**BODY, "lines": "SNK-1"}, "lines"),
    ({**BODY, "customer": "Erika"}, "customer"),
    ({**BODY, "customer": {"name": 42}}, "customer.name"),
    ({**BODY, "payment": {"provider": "cash-in-an-envelope"}}, "payment.provider"),
    ({**BODY, "lines": [{"sku": "NOPE", "quantity": 1}]}, "lines.0.sku"),
    ({**BODY, "delivery": {"method": "click_collect", "pickup_location": "XX"}},
     "delivery.pickup_location"),
])
def test_bad_bodies_are_422_with_field_errors(shop, body, field):
    response = shop(body)

    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert Order.select().count() == 0


def test_a_body_that_is_not_json_is_422(shop):
    response = shop(None, raw="{not json")

    assert response.status_code == 422
    assert Order.select().count() == 0


def test_concurrent_duplicates_create_one_order(app, shop):
    results = []

    def send():
        with app.app_context():
            results.append(shop(BODY, key="dup").status_code)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Order.select().count() == 1
    assert set(results) <= {201, 409} and results.count(201) >= 1


def test_cancel_releases_the_stock_and_a_second_cancel_is_409(shop):
    number = shop(BODY).json["number"]

    cancelled = shop(None, key=None, path=f"/api/v1/orders/{number}/cancel", raw="")
    again = shop(None, key=None, path=f"/api/v1/orders/{number}/cancel", raw="")

    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert again.status_code == 409
    assert reserved() == 0


def test_unknown_order_is_404(shop):
    assert shop.get("/api/v1/orders/OMS-2026-999999").status_code == 404


def test_a_read_only_key_cannot_order(client, ctx, stores):
    _key, plain = create_api_key("Reader", ["orders:read"])

    response = client.post("/api/v1/orders", json=BODY,
                           headers={"Authorization": f"Bearer {plain}",
                                    "Idempotency-Key": "x"})

    assert response.status_code == 403


def test_cancel_of_a_paid_order_refunds_it_and_shows_the_refund(shop):
    from portal.payments.models import Payment
    from portal.payments.services import apply_provider_event

    number = shop(BODY).json["number"]
    payment = Payment.get()
    apply_provider_event("sandbox", "evt_1", "payment.succeeded", payment.token, {}, "sbx_1")

    cancelled = shop(None, key=None, path=f"/api/v1/orders/{number}/cancel", raw="")

    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert cancelled.json["payment"]["status"] == "refunded"
    [refund] = cancelled.json["payment"]["refunds"]
    assert refund["amount"] == "99.98" and refund["status"] == "succeeded"
    assert refund["reference"].startswith("sbx_re_") and reserved() == 0


def test_an_in_store_payment_announced_by_the_shop_is_completed_at_the_counter(shop, users):
    from portal.payments.models import Payment
    from portal.payments.services import record_in_store_payment

    created = shop({**BODY, "payment": {"provider": "in_store"}}).json

    assert created["payment"] == {"provider": "in_store", "status": "pending",
                                  "next_action": None, "refunds": []}
    order = Order.get(Order.number == created["number"])
    record_in_store_payment(order, "cash", "", users["employee"])
    assert Payment.select().count() == 1 and Payment.get().status == "authorized"
    assert shop.get(f"/api/v1/orders/{created['number']}").json["status"] == "confirmed"
