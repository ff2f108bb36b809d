"""Shipping fees: taken by the orders API, part of the total the payment covers, shown on
the order page, the confirmation PDF and the e-mail; refunded once, with the return that
makes the order completely returned, never with a partial one."""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal

import pytest

from portal.orders.confirmation import confirmation_pdf
from portal.orders.models import Order
from portal.payments.models import Payment, Refund
from portal.payments.refunds import refund_payment
from portal.payments.services import record_in_store_payment
from portal.returns import fees, queries
from portal.returns.models import ReturnEvent, ReturnLine, ReturnOrder
from portal.returns.receiving import receive_return, take_back_at_counter
from portal.returns.refunding import refund_due, refund_return
from portal.returns.services import ReturnRequest, register_return
from portal.sourcing.facts import facts_for_order
from tests.barcodes import tool
from tests.notifications.conftest import messages
from tests.orders.test_orders_api import BODY, shop  # noqa: F401 - the fixture
from tests.returns.conftest import delivered_order

FEE = Decimal("4.95")


def fee_order(users, fee=FEE) -> Order:
    """Two caps (WH) and a pair of shoes (BER) at 49.99 each, plus ``fee``, delivered."""
    return delivered_order(users, ("CAP-1", 2), ("SNK-1", 1), shipping_fee=fee)


def back(rma: ReturnOrder, place, actor) -> ReturnOrder:
    """Receive every line of ``rma`` as new."""
    lines = ReturnLine.select().where(ReturnLine.return_order == rma.id)
    return receive_return(rma, place, {line.id: "new" for line in lines}, actor)


def by_post(order, *lines) -> ReturnOrder:
    return register_return(ReturnRequest(order.number, [{"sku": s, "quantity": q}
                                                        for s, q in lines]), None)


def fee_refunds() -> list[Refund]:
    return [r for r in Refund.select().order_by(Refund.id) if fees.fee_part(r) is not None]


def fee_events() -> list[ReturnEvent]:
    return list(ReturnEvent.select().where(ReturnEvent.kind == "shipping_fee_refunded"))


# The orders API


def test_the_api_takes_a_fee_adds_it_to_the_total_and_the_payment_covers_it(shop):  # noqa: F811
    created = shop({**BODY, "shipping_fee": "4.95"})

    assert created.status_code == 201
    assert (created.json["shipping_fee"], created.json["total"]) == ("4.95", "104.93")
    assert shop.get(f"/api/v1/orders/{created.json['number']}").json == created.json
    order = Order.get(Order.number == created.json["number"])
    assert Decimal(order.shipping_fee) == FEE and Decimal(order.total) == Decimal("104.93")
    assert Decimal(Payment.get(Payment.order == order.id).amount) == Decimal("104.93")
    assert facts_for_order(order).value == Decimal("99.98")  # rules weigh the goods


@pytest.mark.parametrize("fee,shown", [(None, "0.00"), (5, "5.00"), (4.5, "4.50"),
                                       ("1000", "1000.00"), ("0", "0.00")])
def test_the_api_fee_may_be_left_out_or_a_number(shop, fee, shown):  # noqa: F811
    body = {**BODY} if fee is None else {**BODY, "shipping_fee": fee}

    created = shop(body)

    assert created.status_code == 201 and created.json["shipping_fee"] == shown
    assert Decimal(created.json["total"]) == Decimal("99.98") + Decimal(shown)


@pytest.mark.parametrize("fee", ["-0.01", "1000.01", "4.955", "4,95", "abc", "NaN", "",
                                 True, [], {"amount": 4}, -1, 0.001, "1" * 25])
def test_bad_fees_are_422_field_errors_and_create_nothing(shop, fee):  # noqa: F811
    response = shop({**BODY, "shipping_fee": fee})

    assert response.status_code == 422
    assert "shipping_fee" in response.json["error"]["fields"]
    assert Order.select().count() == 0 and Payment.select().count() == 0


# Refunds


def test_a_partial_return_refunds_its_lines_and_the_rest_also_the_fee_once(
        ctx, shelf, stores, users, returns_wh):
    order = fee_order(users)
    assert Decimal(order.total) == Decimal("149.97") + FEE
    assert Decimal(Payment.get(Payment.order == order.id).amount) == Decimal(order.total)

    first = back(by_post(order, ("CAP-1", 1)), returns_wh, None)
    assert refund_due(first) == Decimal("49.99") == queries.refund_view(first).due
    partial = refund_return(first, None)

    assert Decimal(partial.amount) == Decimal("49.99")
    assert json.loads(partial.lines) == [{"line_no": 1, "quantity": 1}]
    assert Decimal(ReturnOrder.get_by_id(first.id).refund_total) == Decimal("49.99")
    assert fee_events() == []

    second = by_post(order, ("CAP-1", 1), ("SNK-1", 1))
    assert fees.fee_due(second) == 0  # not received yet: the order is not returned yet
    second = back(second, returns_wh, None)
    assert refund_due(second) == Decimal("99.98") + FEE == queries.refund_view(second).due
    rest = refund_return(second, None)

    assert Decimal(rest.amount) == Decimal("99.98") + FEE
    assert {"shipping_fee": "4.95"} in json.loads(rest.lines)
    assert Decimal(ReturnOrder.get_by_id(second.id).refund_total) == Decimal("99.98") + FEE
    [event] = fee_events()
    assert event.return_order_id == second.id and json.loads(event.note) == {"amount": "4.95"}
    assert [r.id for r in fee_refunds()] == [rest.id]
    assert Payment.get(Payment.order == order.id).status == "refunded"  # all of it
    assert Order.get_by_id(order.id).status == "returned"
    # Pressing again refunds nothing, neither the fee nor the lines.
    assert refund_return(second, None) is None and refund_return(first, None) is None
    assert refund_due(second) == 0 == refund_due(first) == queries.refund_view(second).due
    assert Refund.select().count() == 2 and len(fee_events()) == 1
    timeline = queries.timeline(ReturnOrder.get_by_id(second.id))
    assert [v.amount for v in timeline if v.event.kind == "shipping_fee_refunded"] == ["4.95"]


def test_the_return_received_last_carries_the_fee_whichever_was_registered_first(
        ctx, shelf, stores, users, returns_wh):
    order = fee_order(users)
    early = by_post(order, ("CAP-1", 2))
    late = by_post(order, ("SNK-1", 1))

    late = back(late, returns_wh, None)  # received first: the caps are still on their way
    assert Decimal(refund_return(late, None).amount) == Decimal("49.99")
    early = back(early, returns_wh, None)  # makes the order completely returned
    refund = refund_return(early, None)

    assert Decimal(refund.amount) == Decimal("99.98") + FEE
    assert [r.id for r in fee_refunds()] == [refund.id]
    assert fees.fee_due(late) == 0 and refund_return(late, None) is None


def test_a_full_return_at_the_counter_refunds_the_fee_with_the_lines(ctx, shelf, stores,
                                                                     users):
    order = fee_order(users)

    rma, refund = take_back_at_counter(
        ReturnRequest(order.number, [{"line_no": 1, "quantity": 2},
                                     {"line_no": 2, "quantity": 1}]),
        stores["BER"], {1: "new", 2: "opened"}, users["employee"])

    assert Decimal(refund.amount) == Decimal(order.total) == Decimal("149.97") + FEE
    assert {"shipping_fee": "4.95"} in json.loads(refund.lines)
    assert Decimal(ReturnOrder.get_by_id(rma.id).refund_total) == Decimal(order.total)
    assert len(fee_events()) == 1 and refund_return(rma, users["employee"]) is None


def test_a_fee_of_zero_changes_nothing(ctx, shelf, stores, users, returns_wh):
    order = fee_order(users, fee=Decimal("0"))
    assert Decimal(order.total) == Decimal("149.97")

    rma = back(by_post(order, ("CAP-1", 2), ("SNK-1", 1)), returns_wh, None)
    assert refund_due(rma) == Decimal("149.97")
    refund = refund_return(rma, None)

    assert Decimal(refund.amount) == Decimal("149.97")
    assert json.loads(refund.lines) == [{"line_no": 1, "quantity": 2},
                                        {"line_no": 2, "quantity": 1}]
    assert Decimal(ReturnOrder.get_by_id(rma.id).refund_total) == Decimal("149.97")
    assert fee_events() == [] and fee_refunds() == []


def test_a_return_never_refunds_more_than_the_payment_has_left(ctx, shelf, stores, users,
                                                               returns_wh):
    order = fee_order(users)
    payment = Payment.get(Payment.order == order.id)
    refund_payment(payment, Decimal("2.00"), "goodwill", users["manager"], key="goodwill-1")

    rma = back(by_post(order, ("CAP-1", 2), ("SNK-1", 1)), returns_wh, None)
    refund = refund_return(rma, None)

    assert Decimal(refund.amount) == Decimal(order.total) - Decimal("2.00")
    assert {"shipping_fee": "2.95"} in json.loads(refund.lines)  # what was left of it
    assert Payment.get_by_id(payment.id).status == "refunded"
    assert refund_return(rma, None) is None and len(fee_refunds()) == 1


# Where the fee is shown


def test_the_order_page_e_mail_and_confirmation_show_the_fee(ctx, shelf, stores, users,
                                                            as_role, tmp_path):
    from portal.orders.services import place_order
    from tests.orders.test_place_order import web_order

    order = place_order(web_order(("CAP-1", 1), shipping_fee=FEE))
    record_in_store_payment(order, "cash", "", users["employee"])

    [message] = messages(kind="order_confirmed")
    assert "Shipping fee: €4.95\nTotal: €54.94" in message.text_body
    assert "Shipping fee</th><td>€4.95</td>" in message.html_body
    text = pdf_text(confirmation_pdf(Order.get_by_id(order.id)).getvalue(), tmp_path)
    assert "Shipping fee" in text and "€4.95" in text and "€54.94" in text
    page = as_role("manager").get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Shipping fee" in page and "€4.95" in page


def test_without_a_fee_nothing_is_shown(ctx, shelf, stores, users, as_role, tmp_path):
    from portal.orders.services import place_order
    from tests.orders.test_place_order import web_order

    order = place_order(web_order(("CAP-1", 1)))
    record_in_store_payment(order, "cash", "", users["employee"])

    [message] = messages(kind="order_confirmed")
    assert "Shipping fee" not in message.text_body + message.html_body
    assert "Shipping fee" not in pdf_text(confirmation_pdf(order).getvalue(), tmp_path)
    page = as_role("manager").get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Shipping fee" not in page


def pdf_text(pdf: bytes, workdir) -> str:
    source = workdir / "confirmation.pdf"
    source.write_bytes(pdf)
    return subprocess.run([tool("pdftotext"), "-layout", str(source), "-"],  # noqa: S603
                          capture_output=True, text=True, check=True).stdout
