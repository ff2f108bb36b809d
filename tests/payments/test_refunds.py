"""Refunds: idempotent per key, never more than was paid, recorded before the provider is
asked and settled after; cancelling a paid order refunds it in full first."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from portal.errors import DomainError
from portal.inventory import services as stock
from portal.inventory.models import StockLevel
from portal.orders.models import Order, OrderEvent
from portal.orders.services import place_order
from portal.payments import providers
from portal.payments.models import Payment, Refund
from portal.payments.providers import ProviderUnavailable, RefundResult
from portal.payments.refunds import (
    RefundInvalid,
    cancel_with_refund,
    refund_payment,
    refundable_amount,
)
from portal.payments.services import apply_provider_event, record_in_store_payment, start_payment
from portal.payments.status import RefundStatus
from tests.conftest import csrf_token
from tests.inventory.conftest import make_product
from tests.orders.test_place_order import web_order


@pytest.fixture
def order(ctx, stores):
    stock.receive_stock(make_product("SNK-1"), stores["BER"], 5)  # 49.99 each
    return place_order(web_order(("SNK-1", 1)))


@pytest.fixture
def paid(order):
    """A sandbox payment of 49.99 that went through; the order is confirmed."""
    payment = start_payment(order, "sandbox")
    apply_provider_event("sandbox", "evt_paid", "payment.succeeded", payment.token, {},
                         "sbx_ch_1")
    return Payment.get_by_id(payment.id)


@pytest.fixture
def provider_calls(monkeypatch):
    """Counts the sandbox adapter's refund calls."""
    adapter = providers.providers()["sandbox"]
    calls = []
    original = adapter.refund

    def refund(payment, refund_row):
        calls.append(refund_row.amount)
        return original(payment, refund_row)

    monkeypatch.setattr(adapter, "refund", refund)
    return calls


def provider_down(payment, refund_row):
    raise ProviderUnavailable("The provider is down.")


def reserved() -> int:
    return sum(level.reserved for level in StockLevel.select())


def test_a_full_refund_succeeds_through_the_sandbox_and_marks_the_payment_refunded(paid, users):
    refund = refund_payment(paid, "49.99", "damaged", users["manager"], "r-1")

    assert refund.status == "succeeded" and refund.provider_reference.startswith("sbx_re_")
    assert refund.amount == Decimal("49.99") and refund.actor == users["manager"].email
    assert Payment.get_by_id(paid.id).status == "refunded"
    event = OrderEvent.get(OrderEvent.kind == "refund")
    assert refund.provider_reference in event.note and "damaged" in event.note


def test_partial_refunds_add_up_to_the_payment_and_no_further(paid):
    refund_payment(paid, Decimal("20.00"), "", None, "r-1")
    assert Payment.get_by_id(paid.id).status == "authorized"

    with pytest.raises(RefundInvalid) as too_much:
        refund_payment(paid, Decimal("30.00"), "", None, "r-2")
    assert too_much.value.code == "refund_too_large" and too_much.value.status == 409
    assert Refund.select().count() == 1

    refund_payment(paid, Decimal("29.99"), "", None, "r-3")
    assert Payment.get_by_id(paid.id).status == "refunded"
    assert refundable_amount(Payment.get_by_id(paid.id)) == 0
    with pytest.raises(RefundInvalid):
        refund_payment(Payment.get_by_id(paid.id), Decimal("0.01"), "", None, "r-4")


def test_the_same_key_returns_the_same_refund_without_a_second_provider_call(
        paid, provider_calls):
    first = refund_payment(paid, "10", "", None, "same-key")
    again = refund_payment(paid, "10", "", None, "same-key")

    assert again.id == first.id and provider_calls == [Decimal("10")]
    assert Refund.select().count() == 1


def test_a_key_of_another_payments_refund_is_refused(paid, order, stores):
    refund_payment(paid, "5", "", None, "k")
    stock.receive_stock(make_product("CAP-1"), stores["BER"], 1)
    other = start_payment(place_order(web_order(("CAP-1", 1))), "sandbox")
    apply_provider_event("sandbox", "evt_2", "payment.succeeded", other.token, {}, "x")

    with pytest.raises(RefundInvalid) as error:
        refund_payment(Payment.get_by_id(other.id), "5", "", None, "k")

    assert error.value.code == "idempotency_key_reused"


@pytest.mark.parametrize("amount", ["0", "-1", "abc", "1.234", "NaN", None, "Infinity"])
def test_bad_amounts_are_refused_and_write_nothing(paid, amount):
    with pytest.raises(RefundInvalid) as error:
        refund_payment(paid, amount, "", None, "bad")

    assert "amount" in error.value.fields
    assert Refund.select().count() == 0 and Payment.get_by_id(paid.id).status == "authorized"


def test_an_unpaid_payment_cannot_be_refunded(order):
    payment = start_payment(order, "sandbox")

    with pytest.raises(RefundInvalid) as error:
        refund_payment(payment, "1", "", None, "k")

    assert error.value.status == 409 and Refund.select().count() == 0


def test_a_provider_failure_is_recorded_and_a_new_key_may_try_again(paid, monkeypatch):
    monkeypatch.setattr(providers.providers()["sandbox"], "refund", provider_down)
    with pytest.raises(ProviderUnavailable):
        refund_payment(paid, "49.99", "", None, "try-1")
    monkeypatch.undo()

    failed = Refund.get(Refund.idempotency_key == "try-1")
    assert failed.status == "failed" and failed.note == "The provider is down."
    assert Payment.get_by_id(paid.id).status == "authorized"
    assert OrderEvent.get(OrderEvent.kind == "refund_failed")
    assert refund_payment(paid, "49.99", "", None, "try-1").status == "failed"  # a replay
    assert refund_payment(paid, "49.99", "", None, "try-2").status == "succeeded"


def test_concurrent_refunds_never_give_back_more_than_was_paid(app, paid):
    outcomes = []

    def refund(key):
        with app.test_request_context():
            try:
                outcomes.append(refund_payment(Payment.get_by_id(paid.id), "30", "", None,
                                               key).status)
            except DomainError as error:
                outcomes.append(error.code)

    threads = [threading.Thread(target=refund, args=(f"k{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refund_too_large"] * 3 + ["succeeded"]
    assert Refund.select().count() == 1


def test_in_store_refunds_are_recorded_with_a_note_for_the_clerk(ctx, stores, users):
    stock.receive_stock(make_product("CAP-1"), stores["BER"], 2)
    cash_order = place_order(web_order(("CAP-1", 1), channel="store", store="BER"))
    card_order = place_order(web_order(("CAP-1", 1), channel="store", store="BER"))
    cash = record_in_store_payment(cash_order, "cash", "", users["employee"])
    card = record_in_store_payment(card_order, "card_terminal", "TID-4711", users["employee"])

    cash_refund = refund_payment(cash, "49.99", "", users["employee"], "c")
    card_refund = refund_payment(card, "10", "", users["employee"], "d")

    assert cash_refund.status == card_refund.status == "succeeded"
    assert "in cash" in cash_refund.note and "49.99" in cash_refund.note
    assert "card terminal" in card_refund.note and "TID-4711" in card_refund.note


def test_cancel_with_refund_refunds_then_cancels_and_releases_the_stock(paid, users):
    order = Order.get_by_id(paid.order_id)

    refunds = cancel_with_refund(order, users["manager"], "customer called")

    assert [r.status for r in refunds] == ["succeeded"] and refunds[0].amount == paid.amount
    assert Order.get_by_id(order.id).status == "cancelled" and reserved() == 0
    assert Payment.get_by_id(paid.id).status == "refunded"
    kinds = [e.kind for e in OrderEvent.select().order_by(OrderEvent.id)]
    assert kinds[-2:] == ["refund", "status"]


def test_a_failed_refund_leaves_the_order_as_it_was(paid, users, monkeypatch):
    monkeypatch.setattr(providers.providers()["sandbox"], "refund", provider_down)
    order = Order.get_by_id(paid.order_id)

    with pytest.raises(ProviderUnavailable):
        cancel_with_refund(order, users["manager"])

    assert Order.get_by_id(order.id).status == "confirmed" and reserved() == 1
    assert Payment.get_by_id(paid.id).status == "authorized"
    monkeypatch.undo()
    cancel_with_refund(Order.get_by_id(order.id), users["manager"])  # a retry asks again
    assert Order.get_by_id(order.id).status == "cancelled"
    assert [r.status for r in Refund.select().order_by(Refund.id)] == ["failed", "succeeded"]


def test_a_refund_under_way_blocks_a_second_cancel(paid, users):
    Refund.create(payment=paid, amount=paid.amount, idempotency_key="in-flight")

    with pytest.raises(RefundInvalid) as error:
        cancel_with_refund(Order.get_by_id(paid.order_id), users["manager"])

    assert error.value.code == "refund_in_progress"
    assert Order.get_by_id(paid.order_id).status == "confirmed"


def test_cancelling_an_unpaid_order_stops_its_open_payment(order, users):
    payment = start_payment(order, "sandbox")

    assert cancel_with_refund(order, users["manager"]) == []

    assert Payment.get_by_id(payment.id).status == "cancelled" and Refund.select().count() == 0
    assert Order.get_by_id(order.id).status == "cancelled"


def test_a_provider_settles_a_pending_refund_by_webhook_event(paid):
    refund = Refund.create(payment=paid, amount=paid.amount, idempotency_key="p",
                           provider_reference="re_1", status=RefundStatus.PENDING)

    apply_provider_event("sandbox", "evt_re", "refund.succeeded", paid.token, {}, "re_1")

    assert Refund.get_by_id(refund.id).status == "succeeded"
    assert Payment.get_by_id(paid.id).status == "refunded"


def test_the_cancel_button_refunds_cash_and_tells_the_clerk(as_role, ctx, stores, users):
    stock.receive_stock(make_product("CAP-1"), stores["BER"], 2)
    order = place_order(web_order(("CAP-1", 1), channel="store", store="BER"))
    record_in_store_payment(order, "cash", "", users["employee"])
    client = as_role("employee")
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Cancel and refund" in page

    response = client.post(f"/orders/{order.number}/cancel",
                           data={"csrf_token": csrf_token(client, "/"), "reason": "no-show"})
    detail = client.get(response.headers["Location"]).get_data(as_text=True)

    assert Order.get_by_id(order.id).status == "cancelled"
    assert "back to the customer in cash" in detail and "Refunded" in detail
    assert Refund.get().provider_reference in detail


def test_a_failing_refund_shows_its_error_on_the_order_page(as_role, paid, monkeypatch):
    monkeypatch.setattr(providers.providers()["sandbox"], "refund", provider_down)
    client = as_role("manager")
    number = Order.get_by_id(paid.order_id).number

    response = client.post(f"/orders/{number}/cancel",
                           data={"csrf_token": csrf_token(client, "/")})
    detail = client.get(response.headers["Location"]).get_data(as_text=True)

    assert "The provider is down." in detail and "Refund failed" in detail
    assert Order.get_by_id(paid.order_id).status == "confirmed"


def test_provider_result_defaults_to_succeeded():
    assert RefundResult("x").status == RefundStatus.SUCCEEDED


def test_the_timeline_names_a_refund_in_money_and_the_providers_name(paid, monkeypatch):
    refund_payment(paid, Decimal("10.00"), "RMA-2026-000007", None, key="r-1")
    monkeypatch.setattr(providers.providers()["sandbox"], "refund",
                        lambda payment, refund: RefundResult("sbx_re_2", RefundStatus.PENDING))
    refund_payment(paid, Decimal("5.00"), "", None, key="r-2")

    notes = [e.note for e in OrderEvent.select().where(OrderEvent.kind == "refund")
             .order_by(OrderEvent.id)]
    assert notes[0].startswith("€10.00 · Sandbox · sbx_re_")
    assert notes[0].endswith(" · RMA-2026-000007")
    assert notes[1] == "€5.00 · Refund pending · Sandbox · sbx_re_2"
