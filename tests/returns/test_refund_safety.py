"""Refunds of returns under stress: an attempt still at the provider is not booked, a
provider that answers "pending" is booked when its webhook settles, two clerks pressing
refund at once give one refund, a capped refund books what was paid back, and the order
is returned only when every unit was received."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from portal.auth.services import create_api_key
from portal.orders.models import Order
from portal.payments import providers
from portal.payments.models import Payment, Refund
from portal.payments.providers import RefundResult
from portal.payments.refunds import RefundInvalid, refund_payment, settle_refund
from portal.payments.status import RefundStatus
from portal.returns.models import ReturnEvent, ReturnLine, ReturnOrder
from portal.returns.receiving import receive_return, take_back_at_counter
from portal.returns.refunding import refund_return
from portal.returns.services import ReturnInvalid, ReturnRequest, cancel_return, register_return
from portal.shipping.models import Shipment
from portal.shipping.tracking import report
from tests.inventory.test_concurrency import run_in_threads
from tests.returns.conftest import delivered_order


def received(users, returns_wh, quantity=2):
    order = delivered_order(users, ("CAP-1", 2))
    rma = register_return(ReturnRequest(order.number, [{"sku": "CAP-1", "quantity": quantity}]),
                          None)
    line = ReturnLine.get(ReturnLine.return_order == rma.id)
    return order, receive_return(rma, returns_wh, {line.id: "new"}, users["logistics"])


def booked(rma) -> bool:
    return ReturnLine.select().where(ReturnLine.return_order == rma.id,
                                     ReturnLine.refund_amount.is_null(False)).exists()


def kinds(rma) -> list[str]:
    return [e.kind for e in ReturnEvent.select().where(ReturnEvent.return_order == rma.id)
            .order_by(ReturnEvent.id)]


def test_an_attempt_still_at_the_provider_is_not_booked(ctx, shelf, stores, users, returns_wh):
    order, rma = received(users, returns_wh)
    payment = Payment.get(Payment.order == order.id)
    # Another request is asking the provider right now.
    Refund.create(payment=payment.id, amount=Decimal("99.98"),
                  idempotency_key=f"return-{rma.number}", status=RefundStatus.PENDING)

    with pytest.raises(RefundInvalid, match="under way") as refused:
        refund_return(rma, users["logistics"])

    assert refused.value.status == 409 and not booked(rma)
    assert Decimal(ReturnOrder.get_by_id(rma.id).refund_total) == 0


def test_a_pending_answer_is_booked_when_the_webhook_settles_it(ctx, shelf, stores, users,
                                                               returns_wh, monkeypatch):
    order, rma = received(users, returns_wh)
    monkeypatch.setattr(providers.providers()["in_store"], "refund",
                        lambda payment, row: RefundResult("re_42", RefundStatus.PENDING))

    refund = refund_return(rma, users["logistics"])

    assert refund.status == "pending" and not booked(rma) and "refund_pending" in kinds(rma)
    assert Order.get_by_id(order.id).status == "delivered"
    settle_refund(Payment.get_by_id(refund.payment_id), "re_42", RefundStatus.SUCCEEDED, None)
    assert booked(rma) and "refunded" in kinds(rma)
    assert Decimal(ReturnOrder.get_by_id(rma.id).refund_total) == Decimal(refund.amount)
    assert Order.get_by_id(order.id).status == "returned"


def test_a_pending_refund_that_fails_later_can_be_retried(ctx, shelf, stores, users,
                                                         returns_wh, monkeypatch):
    _order, rma = received(users, returns_wh)
    adapter = providers.providers()["in_store"]
    original = adapter.refund
    monkeypatch.setattr(adapter, "refund",
                        lambda payment, row: RefundResult("re_7", RefundStatus.PENDING))
    refund = refund_return(rma, users["logistics"])
    settle_refund(Payment.get_by_id(refund.payment_id), "re_7", RefundStatus.FAILED, None)
    assert not booked(rma) and kinds(rma)[-1] == "refund_failed"

    monkeypatch.setattr(adapter, "refund", original)
    retry = refund_return(rma, users["logistics"])

    assert retry.status == "succeeded" and retry.id != refund.id and booked(rma)


def test_two_clerks_pressing_refund_at_once_give_one_refund(app, shelf, stores, users,
                                                           returns_wh, monkeypatch):
    with app.app_context():
        _order, rma = received(users, returns_wh)
    adapter = providers.providers()["in_store"]
    original = adapter.refund
    asked = []

    def slow(payment, row):
        asked.append(row.id)
        time.sleep(0.3)  # the provider takes its time; the other clerk presses meanwhile
        return original(payment, row)

    monkeypatch.setattr(adapter, "refund", slow)
    results = run_in_threads(app, lambda i: refund_return(ReturnOrder.get_by_id(rma.id),
                                                          users["logistics"]), 2)

    with app.app_context():
        assert len(asked) == 1, results
        assert Refund.select().where(Refund.status == "succeeded").count() == 1
        assert kinds(rma).count("refunded") == 1
        waited = [r for r in results if isinstance(r, Exception)]
        assert all(isinstance(r, RefundInvalid) for r in waited), results
        assert Decimal(ReturnOrder.get_by_id(rma.id).refund_total) == Decimal("99.98")


def test_a_capped_refund_books_what_was_paid_back(ctx, shelf, stores, users, returns_wh):
    order, rma = received(users, returns_wh)
    payment = Payment.get(Payment.order == order.id)
    refund_payment(payment, "20.00", "goodwill", users["manager"], key="goodwill-1")

    refund = refund_return(rma, users["logistics"])

    assert Decimal(refund.amount) == Decimal("79.98")
    assert Decimal(ReturnOrder.get_by_id(rma.id).refund_total) == Decimal("79.98")
    shares = [Decimal(line.refund_amount) for line in
              ReturnLine.select().where(ReturnLine.return_order == rma.id)]
    assert sum(shares) == Decimal("79.98")


def test_the_order_is_returned_only_when_every_unit_was_received(ctx, shelf, stores, users,
                                                                returns_wh):
    order = delivered_order(users, ("CAP-1", 2))
    by_post = register_return(ReturnRequest(order.number, [{"sku": "CAP-1", "quantity": 1}]),
                              None)
    take_back_at_counter(ReturnRequest(order.number, [{"sku": "CAP-1", "quantity": 1}]),
                         stores["BER"], {1: "new"}, users["employee"])
    assert Order.get_by_id(order.id).status == "delivered"  # one unit is still on its way

    cancel_return(by_post, users["employee"])  # the customer keeps it after all
    again = register_return(ReturnRequest(order.number, [{"sku": "CAP-1", "quantity": 1}]),
                            None)
    assert again.status == "requested"


def test_a_return_whose_parcel_left_cannot_be_cancelled(ctx, shelf, stores, users,
                                                        returns_wh):
    order = delivered_order(users, ("CAP-1", 1))
    rma = register_return(ReturnRequest(order.number, [{"sku": "CAP-1", "quantity": 1}]), None)
    report(Shipment.get_by_id(rma.shipment_id), "handed_over", None)

    with pytest.raises(ReturnInvalid, match="carrier has the parcel"):
        cancel_return(ReturnOrder.get_by_id(rma.id), users["manager"])
    assert ReturnOrder.get_by_id(rma.id).status == "in_transit"


def test_bad_json_shapes_and_nul_bytes_never_reach_the_service(client, shelf, stores, users,
                                                              returns_wh):
    order = delivered_order(users, ("CAP-1", 1))
    _key, plain = create_api_key("Shop", ["returns:write"])
    headers = {"Authorization": f"Bearer {plain}", "Idempotency-Key": "k-1"}
    body = {"order_number": order.number, "lines": [{"sku": "CAP-1", "quantity": 1}]}

    listed = client.post("/api/v1/returns", json={**body, "drop_off": ["store"]},
                         headers=headers)
    nul = client.post("/api/v1/returns", json={**body, "drop_off": "mailbox",
                                               "reason": "a\u0000b"},
                      headers={**headers, "Idempotency-Key": "k-2"})

    assert listed.status_code == 422 and "drop_off" in listed.json["error"]["fields"]
    assert nul.status_code == 400
    assert ReturnOrder.select().count() == 0
