"""Returns: registering by post with a return label, quantities beyond what was bought
refused with nothing changed, the counter taking back a web order and refunding once,
partial refunds, carrier events, and the order returned when everything came back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.inventory.ledger import check_levels
from portal.inventory.models import StockMovement
from portal.orders.models import Order
from portal.orders.services import place_order
from portal.payments import providers
from portal.payments.models import Payment, Refund
from portal.payments.services import apply_provider_event, start_payment
from portal.returns.models import ReturnLine, ReturnOrder
from portal.returns.receiving import receive_return, take_back_at_counter
from portal.returns.refunding import refund_return
from portal.returns.services import ReturnInvalid, ReturnRequest, register_return
from portal.shipping.label_source import labels_for
from portal.shipping.labels import render_4x6
from portal.shipping.models import Shipment
from portal.shipping.tracking import report
from tests.barcodes import decode_pdf
from tests.fulfilment.conftest import level, paid_order
from tests.orders.test_place_order import web_order
from tests.returns.conftest import delivered_order
from tests.shipping.shipped import ship


def by_post(order, *lines, **fields) -> ReturnRequest:
    return ReturnRequest(order.number, [{"sku": s, "quantity": q} for s, q in lines],
                         reason="too small", **fields)


def test_a_return_by_post_gets_an_rma_and_a_return_label_that_scans(ctx, shelf, stores,
                                                                    users, returns_wh,
                                                                    tmp_path):
    order = delivered_order(users)

    rma = register_return(by_post(order, ("CAP-1", 1)), None)

    assert rma.number == f"RMA-{rma.created_at.year}-{rma.id:06d}"
    assert (rma.status, rma.drop_off, rma.location.code) == ("requested", "post_office", "WH")
    shipment = Shipment.get_by_id(rma.shipment_id)
    assert (shipment.destination, shipment.to_location.code) == ("return", "WH")
    (label,) = labels_for([shipment])
    assert label.is_return and label.rma_number == rma.number
    assert label.sender.name == "Erika Mustermann" and label.recipient.city == "Kassel"
    decoded = decode_pdf(render_4x6([label]), tmp_path)
    assert f"CODE-128:{shipment.tracking_number}" in decoded
    assert Order.get_by_id(order.id).status == "delivered"  # a return label changes nothing


def test_more_than_was_bought_is_refused_with_nothing_changed(ctx, shelf, stores, users,
                                                            returns_wh):
    order = delivered_order(users)
    register_return(by_post(order, ("CAP-1", 1)), None)

    with pytest.raises(ReturnInvalid) as refused:
        register_return(by_post(order, ("CAP-1", 2)), None)  # 1 of 2 is on its way already

    assert "At most 1 of CAP-1" in refused.value.fields["lines.0.quantity"]
    assert ReturnOrder.select().count() == 1 and Shipment.select().where(
        Shipment.destination == "return").count() == 1
    register_return(by_post(order, ("CAP-1", 1)), None)
    with pytest.raises(ReturnInvalid):
        register_return(by_post(order, ("CAP-1", 1)), None)
    assert ReturnLine.select().count() == 2


def test_unknown_lines_undelivered_orders_and_bad_drop_offs_are_field_errors(ctx, shelf,
                                                                            stores, users,
                                                                            returns_wh):
    order = delivered_order(users)
    with pytest.raises(ReturnInvalid) as refused:
        register_return(ReturnRequest(order.number, [{"sku": "NOPE", "quantity": 1},
                                                     {"line_no": 1, "quantity": 0}],
                                      drop_off="pigeon"), None)
    assert set(refused.value.fields) == {"lines.0", "lines.1.quantity", "drop_off"}
    unshipped = paid_order(("CAP-1", 1))
    with pytest.raises(ReturnInvalid) as refused:
        register_return(by_post(unshipped, ("CAP-1", 1)), None)
    assert "order_number" in refused.value.fields
    assert ReturnOrder.select().count() == 0


def test_the_counter_takes_back_a_web_order_and_refunds_the_original_payment_once(
        ctx, shelf, stores, users):
    order = delivered_order(users, ("CAP-1", 2))
    unit = order.lines[0].unit_price

    rma, refund = take_back_at_counter(
        ReturnRequest(order.number, [{"line_no": 1, "quantity": 1}], reason="gift"),
        stores["BER"], {1: "new"}, users["employee"])

    assert (rma.status, rma.location.code, rma.created_via) == ("received", "BER", "counter")
    assert (refund.status, Decimal(refund.amount)) == ("succeeded", Decimal(unit))
    assert level(shelf["cap"], stores["BER"]) == (1, 0)  # back on the shelf here
    movement = StockMovement.get(StockMovement.kind == "return")
    assert (movement.reference, movement.location_id) == (rma.number, stores["BER"].id)
    again = refund_return(rma, users["employee"])  # a replayed request
    assert again is None and Refund.select().count() == 1
    assert Decimal(ReturnOrder.get_by_id(rma.id).refund_total) == Decimal(unit)
    assert Order.get_by_id(order.id).status == "delivered"  # one of two came back
    assert check_levels() == []


def test_a_replayed_refund_of_the_same_return_is_the_same_refund(ctx, shelf, stores, users,
                                                               returns_wh):
    order = delivered_order(users)
    rma = register_return(by_post(order, ("CAP-1", 2)), None)
    line = ReturnLine.get(ReturnLine.return_order == rma.id)
    rma = receive_return(rma, returns_wh, {line.id: "opened"}, users["logistics"])
    ReturnLine.update(refund_amount=None).execute()  # as if the first answer got lost

    first = refund_return(rma, users["logistics"])
    ReturnLine.update(refund_amount=None).execute()
    second = refund_return(rma, users["logistics"])

    assert first.id == second.id and Refund.select().count() == 1
    assert Order.get_by_id(order.id).status == "returned"  # everything came back


def test_carrier_events_move_the_return_and_receiving_refunds(ctx, shelf, stores, users,
                                                             returns_wh):
    order = delivered_order(users)
    rma = register_return(by_post(order, ("CAP-1", 1)), None)
    shipment = Shipment.get_by_id(rma.shipment_id)

    report(shipment, "handed_over", None, place="Postfiliale 10117")
    assert ReturnOrder.get_by_id(rma.id).status == "in_transit"
    report(shipment, "delivered", None, place="Kassel")
    assert Order.get_by_id(order.id).status == "delivered"  # the return parcel is no delivery
    line = ReturnLine.get(ReturnLine.return_order == rma.id)
    receive_return(ReturnOrder.get_by_id(rma.id), returns_wh, {line.id: "new"}, None)
    refund = refund_return(ReturnOrder.get_by_id(rma.id), None)
    assert Decimal(refund.amount) == Decimal(order.lines[0].unit_price)
    assert level(shelf["cap"], returns_wh) == (4, 0)  # 5 - 2 shipped + 1 back
    assert check_levels() == []


def test_receiving_needs_a_condition_for_every_line(ctx, shelf, stores, users, returns_wh):
    order = delivered_order(users)
    rma = register_return(by_post(order, ("CAP-1", 1)), None)
    with pytest.raises(ReturnInvalid, match="Inspect every line"):
        receive_return(rma, returns_wh, {}, None)
    assert ReturnOrder.get_by_id(rma.id).status == "requested"
    assert StockMovement.select().where(StockMovement.kind == "return").count() == 0


def test_a_web_order_paid_online_is_refunded_through_its_provider_once_at_the_counter(
        ctx, shelf, stores, users, monkeypatch):
    order = place_order(web_order(("CAP-1", 2)))
    payment = start_payment(order, "sandbox")
    apply_provider_event("sandbox", "evt_paid", "payment.succeeded", payment.token, {}, "ch_1")
    ship(Order.get_by_id(order.id), users["logistics"])
    calls = []
    adapter = providers.providers()["sandbox"]
    original = adapter.refund
    monkeypatch.setattr(adapter, "refund",
                        lambda p, r: calls.append(r.amount) or original(p, r))
    request = ReturnRequest(order.number, [{"sku": "CAP-1", "quantity": 1}])

    rma, refund = take_back_at_counter(request, stores["BER"], {1: "new"}, users["employee"])
    again = refund_return(rma, users["employee"])  # the clerk presses again

    unit = Decimal(order.lines[0].unit_price)
    assert (refund.status, Decimal(refund.amount), refund.payment_id) == (
        "succeeded", unit, payment.id)
    assert again is None and [Decimal(c) for c in calls] == [unit]  # the provider asked once
    assert Payment.get_by_id(payment.id).status == "authorized"  # partly refunded
