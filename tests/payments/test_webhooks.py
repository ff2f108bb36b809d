"""Sandbox webhooks: verified by HMAC signature with a time tolerance, processed once per
event id; a verified success confirms the order, a decline does not."""

from __future__ import annotations

import json
import time

import pytest

from portal.inventory import services as stock
from portal.orders.models import Order
from portal.orders.services import place_order
from portal.payments.models import Payment, PaymentEvent
from portal.payments.services import PaymentInvalid, record_in_store_payment, start_payment
from portal.payments.signing import sign
from tests.inventory.conftest import make_product
from tests.orders.test_place_order import web_order

URL = "/api/v1/payments/webhook/sandbox"


@pytest.fixture
def payment(ctx, stores):
    stock.receive_stock(make_product("SNK-1"), stores["BER"], 5)
    order = place_order(web_order(("SNK-1", 1)))
    return start_payment(order, "sandbox")


def send(client, app, event: dict, timestamp=None, secret=None, header=None):
    body = json.dumps(event).encode()
    signature = header if header is not None else sign(
        body, secret or app.config["SANDBOX_WEBHOOK_SECRET"], timestamp)
    return client.post(URL, data=body, headers={"Sandbox-Signature": signature,
                                                "Content-Type": "application/json"})


def event(payment, kind="payment.succeeded", event_id="evt_1"):
    return {"id": event_id, "type": kind, "data": {"payment": payment.token,
                                                   "reference": "sbx_ch_1"}}


def order_status(payment) -> str:
    return Order.get_by_id(payment.order_id).status


def test_a_verified_success_confirms_the_order(client, app, payment):
    response = send(client, app, event(payment))

    assert response.status_code == 200 and response.json == {"received": True,
                                                             "duplicate": False}
    assert Payment.get_by_id(payment.id).status == "authorized"
    assert Payment.get_by_id(payment.id).provider_reference == "sbx_ch_1"
    assert order_status(payment) == "confirmed"


def test_the_same_event_twice_is_processed_once(client, app, payment):
    send(client, app, event(payment, "payment.failed", "evt_9"))
    again = send(client, app, event(payment, "payment.failed", "evt_9"))

    assert again.status_code == 200 and again.json["duplicate"] is True
    assert PaymentEvent.select().count() == 1


def test_a_decline_keeps_the_order_waiting(client, app, payment):
    send(client, app, event(payment, "payment.failed"))

    assert Payment.get_by_id(payment.id).status == "failed"
    assert order_status(payment) == "pending_payment"


@pytest.mark.parametrize("kind", ["wrong secret", "old", "future", "garbage", "missing"])
def test_bad_signatures_are_400_and_change_nothing(client, app, payment, kind):
    now = int(time.time())
    options = {"wrong secret": {"secret": "not-the-secret"},
               "old": {"timestamp": now - 3600}, "future": {"timestamp": now + 3600},
               "garbage": {"header": "t=abc,v1=zzz"}, "missing": {"header": ""}}[kind]

    response = send(client, app, event(payment), **options)

    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_webhook"
    assert order_status(payment) == "pending_payment" and PaymentEvent.select().count() == 0


def test_a_tampered_body_fails_the_signature(client, app, payment):
    body = json.dumps(event(payment)).encode()
    signature = sign(body, app.config["SANDBOX_WEBHOOK_SECRET"])
    tampered = body.replace(b"evt_1", b"evt_2")

    response = client.post(URL, data=tampered, headers={"Sandbox-Signature": signature})

    assert response.status_code == 400
    assert order_status(payment) == "pending_payment"


def test_a_signed_event_that_is_not_an_event_is_400(client, app, payment):
    assert send(client, app, {"hello": "world"}).status_code == 400


def test_in_store_payment_confirms_at_once(ctx, stores, users):
    stock.receive_stock(make_product("CAP-1"), stores["BER"], 2)
    order = place_order(web_order(("CAP-1", 1), channel="store", store="BER"))

    with pytest.raises(PaymentInvalid):
        record_in_store_payment(order, "card_terminal", "", users["employee"])
    payment = record_in_store_payment(order, "card_terminal", "TID-4711", users["employee"])

    assert payment.provider == "in_store" and Payment.get_by_id(payment.id).status == \
        "authorized"
    assert Order.get_by_id(order.id).status == "confirmed"
