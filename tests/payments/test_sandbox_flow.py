"""The whole web-shop payment path: order by API, the customer pays on the sandbox's
hosted page, the signed webhook confirms the order."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from portal.auth.services import create_api_key
from portal.db import utcnow
from portal.inventory import services as stock
from portal.orders.models import Order
from portal.payments.expiry import expire_unpaid_orders
from portal.payments.models import Payment, PaymentEvent, Refund
from tests.conftest import csrf_token_from
from tests.inventory.conftest import make_product
from tests.orders.test_orders_api import BODY


@pytest.fixture
def checkout(app, client, ctx, stores):
    """Places an order through the API; returns (number, path of the hosted page)."""
    stock.receive_stock(make_product("SNK-1"), stores["BER"], 5)
    _key, plain = create_api_key("Web shop", ["orders:write", "orders:read"])
    deliveries = []

    def deliver(url, body, signature):  # the sandbox's webhook, delivered at once
        deliveries.append(json.loads(body)["type"])
        response = app.test_client().post(urlsplit(url).path, data=body,
                                          headers={"Sandbox-Signature": signature})
        assert response.status_code == 200

    app.config["SANDBOX_WEBHOOK_DELIVERY"] = deliver
    response = client.post("/api/v1/orders", json=BODY, headers={
        "Authorization": f"Bearer {plain}", "Idempotency-Key": "checkout-1"})
    body = response.json
    assert body["payment"]["status"] == "pending"
    assert body["payment"]["next_action"]["type"] == "redirect"
    yield body["number"], urlsplit(body["payment"]["next_action"]["url"]).path, deliveries
    app.config.pop("SANDBOX_WEBHOOK_DELIVERY")


def pay(client, path, card):
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={"card": card, "csrf_token": token})


def status(number) -> str:
    return Order.get(Order.number == number).status


def test_the_success_card_confirms_the_order(client, checkout):
    number, path, deliveries = checkout

    response = pay(client, path, "4242 4242 4242 4242")

    assert response.status_code == 302 and "result=succeeded" in response.headers["Location"]
    assert deliveries == ["payment.succeeded"]
    assert status(number) == "confirmed"


def test_the_decline_card_keeps_the_order_waiting_and_may_retry(client, checkout):
    number, path, deliveries = checkout

    pay(client, path, "4000 0000 0000 0002")
    assert status(number) == "pending_payment"
    pay(client, path, "4242424242424242")

    assert deliveries == ["payment.failed", "payment.succeeded"]
    assert status(number) == "confirmed"


def test_three_d_secure_then_approve(client, checkout):
    number, path, deliveries = checkout

    response = pay(client, path, "4000002760003184")
    secure = response.headers["Location"]
    token = csrf_token_from(client.get(secure).get_data(as_text=True))
    client.post(secure, data={"decision": "approve", "csrf_token": token})

    assert deliveries == ["payment.requires_action", "payment.succeeded"]
    assert status(number) == "confirmed"
    assert PaymentEvent.select().count() == 2


def test_an_unknown_card_is_refused_on_the_page(client, checkout):
    number, path, deliveries = checkout

    response = pay(client, path, "1234")

    assert response.status_code == 400 and "Use one of the test cards" in response.get_data(
        as_text=True)
    assert deliveries == [] and status(number) == "pending_payment"


def test_an_unknown_payment_page_is_404(client, ctx):
    assert client.get("/sandbox/pay/not-a-token").status_code == 404


def test_a_paid_order_is_cancelled_with_a_full_refund_through_the_sandbox(
        client, checkout, as_role):
    number, path, _deliveries = checkout
    pay(client, path, "4242424242424242")
    staff = as_role("manager")
    page = staff.get(f"/orders/{number}").get_data(as_text=True)
    assert "Cancel and refund" in page

    response = staff.post(f"/orders/{number}/cancel",
                          data={"csrf_token": csrf_token_from(page), "reason": "changed mind"})

    assert response.status_code == 302
    assert status(number) == "cancelled"
    refund = Refund.get()
    assert refund.status == "succeeded" and refund.amount == Decimal("99.98")
    assert refund.provider_reference.startswith("sbx_re_")
    assert Payment.get_by_id(refund.payment_id).status == "refunded"
    detail = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "stock is free again" in detail and refund.provider_reference in detail


def test_an_expired_order_can_no_longer_be_paid(client, checkout):
    number, path, deliveries = checkout
    Order.update(reserved_until=utcnow() - timedelta(minutes=1)).where(
        Order.number == number).execute()

    assert expire_unpaid_orders() == 1
    assert status(number) == "cancelled"
    assert Payment.get().status == "cancelled"  # the open attempt was stopped

    pay(client, path, "4242 4242 4242 4242")

    assert deliveries == [] and status(number) == "cancelled"
