"""The Stripe adapter against a local server that answers like Stripe's API (nothing
leaves the machine), and Stripe's webhooks signed the way Stripe signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from decimal import Decimal

import pytest

from portal.auth.services import create_api_key
from portal.inventory import services as stock
from portal.inventory.models import StockLevel
from portal.orders.models import Order
from portal.payments.models import Payment, PaymentEvent, Refund
from portal.payments.stripe_adapter import minor_units
from tests.inventory.conftest import make_product
from tests.orders.test_orders_api import BODY

WEBHOOK = "/api/v1/payments/webhook/stripe"
SECRET = "whsec_test_only"
STRIPE_BODY = {**BODY, "payment": {"provider": "stripe"}}


@pytest.fixture(scope="session")
def httpserver_listen_address():
    return ("127.0.0.1", None)  # an ephemeral port on the loopback address


@pytest.fixture
def stripe_api(app, httpserver):
    """Stripe switched on, its API base pointed at the local fake server."""
    app.config.update(STRIPE_SECRET_KEY="sk_test_only", STRIPE_WEBHOOK_SECRET=SECRET,
                      STRIPE_PUBLISHABLE_KEY="pk_test_only",
                      STRIPE_API_BASE=httpserver.url_for("").rstrip("/"))
    yield httpserver
    app.config.update(STRIPE_SECRET_KEY="", STRIPE_WEBHOOK_SECRET="",
                      STRIPE_PUBLISHABLE_KEY="", STRIPE_API_BASE="")


def intent(status="requires_payment_method", **fields) -> dict:
    return {"id": "pi_123", "object": "payment_intent", "amount": 9998, "currency": "eur",
            "status": status, "client_secret": "pi_123_secret_abc", "metadata": {}, **fields}


@pytest.fixture
def shop(client, ctx, stores):
    stock.receive_stock(make_product("SNK-1"), stores["BER"], 3)  # 49.99 each
    _key, plain = create_api_key("Web shop", ["orders:write", "orders:read"])
    headers = {"Authorization": f"Bearer {plain}"}

    def order(key="k-1", body=STRIPE_BODY):
        return client.post("/api/v1/orders", json=body,
                           headers={**headers, "Idempotency-Key": key})

    order.cancel = lambda number: client.post(f"/api/v1/orders/{number}/cancel",
                                              headers=headers)
    order.get = lambda number: client.get(f"/api/v1/orders/{number}", headers=headers)
    return order


def stripe_signature(payload: bytes, secret: str = SECRET, timestamp: int | None = None):
    """Stripe's scheme: ``t=<unix time>,v1=<HMAC-SHA256 of "<t>.<payload>">``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def send(client, event: dict, **signing):
    payload = json.dumps(event).encode()
    return client.post(WEBHOOK, data=payload, headers={
        "Stripe-Signature": stripe_signature(payload, **signing),
        "Content-Type": "application/json"})


def stripe_event(kind: str, obj: dict, event_id: str = "evt_1") -> dict:
    return {"id": event_id, "object": "event", "type": kind, "api_version": "2026-09-30",
            "created": int(time.time()), "data": {"object": obj}}


def reserved() -> int:
    return sum(level.reserved for level in StockLevel.select())


def test_an_order_paid_with_stripe_starts_a_payment_intent(stripe_api, shop):
    stripe_api.expect_request("/v1/payment_intents", method="POST").respond_with_json(intent())

    response = shop()

    assert response.status_code == 201, response.json
    payment = Payment.get()
    assert response.json["payment"] == {
        "provider": "stripe", "status": "pending", "refunds": [],
        "next_action": {"type": "stripe_payment_intent", "client_secret": "pi_123_secret_abc",
                        "publishable_key": "pk_test_only"}}
    assert payment.provider_reference == "pi_123"
    sent, _answer = stripe_api.log[0]
    assert sent.form["amount"] == "9998" and sent.form["currency"] == "eur"
    assert sent.form["metadata[order_number]"] == response.json["number"]
    assert sent.form["metadata[oms_payment]"] == payment.token
    assert sent.headers["Idempotency-Key"] == f"oms-payment-{payment.token}"
    assert sent.headers["Authorization"] == "Bearer sk_test_only"
    assert shop.get(response.json["number"]).json == response.json


def test_stripe_is_a_clear_422_when_not_enabled(shop):
    response = shop()

    assert response.status_code == 422
    assert "payment.provider" in response.json["error"]["fields"]
    assert "not enabled" in response.json["error"]["message"]
    assert Order.select().count() == 0


def test_stripe_down_at_the_start_cancels_the_order_and_frees_the_stock(stripe_api, shop):
    stripe_api.expect_request("/v1/payment_intents", method="POST").respond_with_json(
        {"error": {"type": "api_error", "message": "boom"}}, status=500,
        headers={"Stripe-Should-Retry": "false"})

    response = shop()

    assert response.status_code == 502
    assert response.json["error"]["code"] == "provider_unavailable"
    assert Order.get().status == "cancelled" and reserved() == 0
    assert Payment.get().status == "failed"


def test_the_webhook_success_confirms_the_order(stripe_api, shop, client):
    stripe_api.expect_request("/v1/payment_intents", method="POST").respond_with_json(intent())
    number = shop().json["number"]
    token = Payment.get().token

    response = send(client, stripe_event("payment_intent.succeeded", intent(
        "succeeded", metadata={"order_number": number, "oms_payment": token})))

    assert response.status_code == 200 and response.json["duplicate"] is False
    assert Order.get().status == "confirmed" and Payment.get().status == "authorized"
    assert Payment.get().provider_reference == "pi_123"


def test_events_without_our_metadata_find_the_payment_by_its_intent(stripe_api, shop, client):
    stripe_api.expect_request("/v1/payment_intents", method="POST").respond_with_json(intent())
    shop()

    send(client, stripe_event("payment_intent.requires_action", intent("requires_action")))

    assert Payment.get().status == "requires_action" and Order.get().status == "pending_payment"


def test_a_failed_payment_keeps_the_order_unconfirmed(stripe_api, shop, client):
    stripe_api.expect_request("/v1/payment_intents", method="POST").respond_with_json(intent())
    shop()

    send(client, stripe_event("payment_intent.payment_failed", intent(
        "requires_payment_method", metadata={"oms_payment": Payment.get().token})))

    assert Payment.get().status == "failed" and Order.get().status == "pending_payment"


def test_the_same_event_twice_is_processed_once(stripe_api, shop, client):
    stripe_api.expect_request("/v1/payment_intents", method="POST").respond_with_json(intent())
    shop()
    event = stripe_event("payment_intent.succeeded", intent("succeeded"), "evt_twice")

    first, again = send(client, event), send(client, event)

    assert first.json["duplicate"] is False and again.json["duplicate"] is True
    assert PaymentEvent.select().count() == 1 and Order.get().status == "confirmed"


@pytest.mark.parametrize("signing", [{"secret": "whsec_wrong"},
                                     {"timestamp": int(time.time()) - 3600}])
def test_a_wrong_or_old_signature_is_400_and_changes_nothing(stripe_api, shop, client, signing):
    stripe_api.expect_request("/v1/payment_intents", method="POST").respond_with_json(intent())
    shop()

    response = send(client, stripe_event("payment_intent.succeeded", intent("succeeded")),
                    **signing)

    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_webhook"
    assert Order.get().status == "pending_payment" and PaymentEvent.select().count() == 0


def test_a_missing_signature_or_a_signed_non_event_is_400(stripe_api, client, ctx):
    assert client.post(WEBHOOK, data=b"{}").status_code == 400
    payload = b"[1, 2]"
    assert client.post(WEBHOOK, data=payload, headers={
        "Stripe-Signature": stripe_signature(payload)}).status_code == 400


def test_the_webhook_is_404_while_stripe_is_off(client, ctx):
    payload = json.dumps(stripe_event("payment_intent.succeeded", intent())).encode()

    response = client.post(WEBHOOK, data=payload,
                           headers={"Stripe-Signature": stripe_signature(payload)})

    assert response.status_code == 404


def paid_order(stripe_api, shop, client) -> str:
    stripe_api.expect_request("/v1/payment_intents", method="POST").respond_with_json(intent())
    number = shop().json["number"]
    send(client, stripe_event("payment_intent.succeeded", intent("succeeded"), "evt_paid"))
    return number


def test_cancelling_a_paid_order_refunds_it_through_stripe(stripe_api, shop, client):
    number = paid_order(stripe_api, shop, client)
    stripe_api.expect_request("/v1/refunds", method="POST").respond_with_json(
        {"id": "re_1", "object": "refund", "status": "succeeded", "amount": 9998,
         "payment_intent": "pi_123"})

    response = shop.cancel(number)

    assert response.status_code == 200 and response.json["status"] == "cancelled"
    assert response.json["payment"]["status"] == "refunded"
    assert [(r["amount"], r["status"], r["reference"])
            for r in response.json["payment"]["refunds"]] == [("99.98", "succeeded", "re_1")]
    sent, _answer = stripe_api.log[-1]
    assert sent.path == "/v1/refunds"
    assert sent.form["payment_intent"] == "pi_123" and sent.form["amount"] == "9998"
    refund = Refund.get()
    assert sent.headers["Idempotency-Key"] == f"oms-refund-{refund.idempotency_key}"
    assert sent.form["metadata[order_number]"] == number and reserved() == 0


def test_a_refused_stripe_refund_keeps_the_order_and_says_why(stripe_api, shop, client):
    number = paid_order(stripe_api, shop, client)
    stripe_api.expect_request("/v1/refunds", method="POST").respond_with_json(
        {"error": {"type": "invalid_request_error", "code": "charge_already_refunded",
                   "message": "Charge ch_1 has already been refunded."}}, status=400)

    response = shop.cancel(number)

    assert response.status_code == 409
    assert response.json["error"]["code"] == "provider_refused"
    assert "already been refunded" in response.json["error"]["message"]
    assert Order.get().status == "confirmed" and reserved() == 2
    assert Refund.get().status == "failed" and Payment.get().status == "authorized"


def test_a_pending_stripe_refund_is_settled_by_its_webhook(stripe_api, shop, client):
    number = paid_order(stripe_api, shop, client)
    stripe_api.expect_request("/v1/refunds", method="POST").respond_with_json(
        {"id": "re_2", "object": "refund", "status": "pending", "amount": 9998,
         "payment_intent": "pi_123"})
    assert shop.cancel(number).json["payment"]["refunds"][0]["status"] == "pending"

    send(client, stripe_event("refund.updated", {
        "id": "re_2", "object": "refund", "status": "succeeded", "amount": 9998,
        "payment_intent": "pi_123", "metadata": {}}, "evt_re"))

    assert Refund.get().status == "succeeded" and Payment.get().status == "refunded"


def test_cancelling_an_unpaid_stripe_order_cancels_its_payment_intent(stripe_api, shop):
    stripe_api.expect_request("/v1/payment_intents", method="POST").respond_with_json(intent())
    number = shop().json["number"]
    stripe_api.expect_request("/v1/payment_intents/pi_123/cancel", method="POST") \
        .respond_with_json(intent("canceled"))

    response = shop.cancel(number)

    assert response.status_code == 200 and Payment.get().status == "cancelled"
    assert stripe_api.log[-1][0].headers["Idempotency-Key"] == \
        f"oms-void-{Payment.get().token}"


def test_an_order_paid_meanwhile_is_not_cancelled_without_its_refund(stripe_api, shop):
    stripe_api.expect_request("/v1/payment_intents", method="POST").respond_with_json(intent())
    number = shop().json["number"]
    stripe_api.expect_request("/v1/payment_intents/pi_123/cancel", method="POST") \
        .respond_with_json({"error": {"type": "invalid_request_error",
                                      "code": "payment_intent_unexpected_state",
                                      "message": "This PaymentIntent has succeeded."}},
                           status=400)
    stripe_api.expect_request("/v1/payment_intents/pi_123", method="GET") \
        .respond_with_json(intent("succeeded"))

    response = shop.cancel(number)

    assert response.status_code == 409 and "just paid" in response.json["error"]["message"]
    assert Order.get().status == "pending_payment" and reserved() == 2


@pytest.mark.parametrize("amount,currency,minor", [
    ("49.99", "EUR", 4999), ("1200", "JPY", 1200), ("1.5", "KWD", 1500), ("0.10", "eur", 10)])
def test_amounts_go_to_stripe_in_minor_units(amount, currency, minor):
    assert minor_units(Decimal(amount), currency) == minor
