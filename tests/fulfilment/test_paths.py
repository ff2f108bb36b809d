"""Each state path of a fulfilment and how the order follows: home delivery to shipped,
a split order partially shipped then shipped, Click & Collect to collected, a rejection
sourced again elsewhere, and steps that do not follow changing nothing."""

from __future__ import annotations

import pytest

from portal.fulfilment.errors import IllegalFulfilmentStep
from portal.fulfilment.handover import collect
from portal.fulfilment.models import FulfillmentEvent
from portal.fulfilment.services import advance
from portal.inventory import services as stock
from portal.inventory.ledger import check_levels
from portal.inventory.models import StockMovement
from portal.orders.models import Order, Reservation
from portal.orders.services import cancel_order, place_order
from portal.payments.services import record_in_store_payment
from tests.fulfilment.conftest import fulfilments, level, paid_order
from tests.fulfilment.test_pickup import pickup_code
from tests.inventory.conftest import make_product
from tests.orders.test_place_order import web_order


def status_of(record) -> str:
    return type(record).get_by_id(record.id).status


def test_a_paid_order_gets_one_assigned_fulfilment_per_location(ctx, shelf, stores):
    unpaid = place_order(web_order(("SNK-1", 1)))
    assert fulfilments(unpaid) == []  # not paid: no work for anyone yet

    order = paid_order(("SNK-1", 1), ("CAP-1", 2), sources={"SNK-1": "BER", "CAP-1": "WH"})

    made = fulfilments(order)
    assert [(f.location.code, f.status) for f in made] == [("BER", "assigned"),
                                                           ("WH", "assigned")]
    assert [f.number for f in made] == [f"{order.number}-1", f"{order.number}-2"]


def test_home_delivery_goes_from_assigned_to_shipped_and_the_stock_leaves(ctx, shelf, stores,
                                                                          users):
    order = paid_order(("SNK-1", 2))
    (fulfillment,) = fulfilments(order)
    assert fulfillment.location.code == "BER"

    advance(fulfillment, "accepted", users["employee"])
    assert status_of(order) == "in_fulfilment"
    advance(fulfillment, "picking", users["employee"])
    advance(fulfillment, "packed", users["employee"])
    assert level(shelf["shoe"], stores["BER"]) == (3, 2)  # still on the shelf, reserved
    outcome = advance(fulfillment, "shipped", users["employee"],
                      payload={"tracking_number": "DHL123", "parcels": [{"weight_kg": 1.2}]})

    assert outcome.fulfillment.status == "shipped" and status_of(order) == "shipped"
    assert level(shelf["shoe"], stores["BER"]) == (1, 0)
    assert {r.status for r in Reservation.select()} == {"shipped"}
    sale = StockMovement.get(StockMovement.kind == "sale")
    assert (sale.on_hand_delta, sale.reserved_delta, sale.reference) == (-2, -2,
                                                                          fulfillment.number)
    assert outcome.event.data == {"tracking_number": "DHL123", "parcels": [{"weight_kg": 1.2}]}
    steps = [(e.from_status, e.to_status) for e in
             FulfillmentEvent.select().order_by(FulfillmentEvent.id)]
    assert steps == [("assigned", "accepted"), ("accepted", "picking"), ("picking", "packed"),
                     ("packed", "shipped")]
    assert check_levels() == []


def test_a_split_order_is_partially_shipped_then_shipped(ctx, shelf, stores, users):
    order = paid_order(("SNK-1", 1), ("CAP-1", 1), sources={"SNK-1": "BER", "CAP-1": "WH"})
    ber, wh = fulfilments(order)

    for step in ("accepted", "picked", "packed", "shipped"):  # the WMS's words
        advance(ber, step, "wms")
    assert status_of(order) == "partially_shipped"
    assert status_of(wh) == "assigned"
    for step in ("accepted", "picked", "packed", "shipped"):
        advance(wh, step, "wms")

    assert status_of(order) == "shipped"
    assert level(shelf["shoe"], stores["BER"]) == (2, 0)
    assert level(shelf["cap"], stores["WH"]) == (4, 0)
    assert check_levels() == []


def test_click_and_collect_goes_to_ready_for_pickup_and_collected(ctx, shelf, stores, users):
    order = paid_order(("SNK-1", 1), delivery_method="click_collect", pickup_location="BER",
                       sources={"SNK-1": "BER"})
    (fulfillment,) = fulfilments(order)
    for step in ("accepted", "picking", "packed"):
        advance(fulfillment, step, users["employee"])
    with pytest.raises(IllegalFulfilmentStep, match="ready for pickup"):
        advance(fulfillment, "shipped", users["employee"])

    advance(fulfillment, "ready_for_pickup", users["employee"])
    assert status_of(order) == "ready_for_pickup"
    assert level(shelf["shoe"], stores["BER"]) == (3, 1)
    collect(order, stores["BER"], pickup_code(order), users["employee"])

    assert status_of(fulfillment) == "collected" and status_of(order) == "collected"
    assert level(shelf["shoe"], stores["BER"]) == (2, 0)
    assert {r.status for r in Reservation.select()} == {"handed_over"}
    assert check_levels() == []


def test_home_delivery_cannot_be_made_ready_for_pickup(ctx, shelf, users):
    order = paid_order(("SNK-1", 1))
    (fulfillment,) = fulfilments(order)
    for step in ("accepted", "picking", "packed"):
        advance(fulfillment, step, users["employee"])

    with pytest.raises(IllegalFulfilmentStep, match="ship it"):
        advance(fulfillment, "ready_for_pickup", users["employee"])
    assert status_of(fulfillment) == "packed"


def test_a_rejection_sources_the_units_again_with_a_new_fulfilment(ctx, shelf, stores, users):
    order = paid_order(("SNK-1", 1))
    (ber,) = fulfilments(order)
    advance(ber, "accepted", users["employee"])

    advance(ber, "rejected", users["employee"], payload={"reason": "damaged"})

    ber, ham = fulfilments(order)
    assert (ber.status, ber.rejected_reason) == ("rejected", "damaged")
    assert (ham.location.code, ham.status, ham.number) == ("HAM", "assigned",
                                                           f"{order.number}-2")
    assert level(shelf["shoe"], stores["BER"]) == (3, 0)
    assert level(shelf["shoe"], stores["HAM"]) == (1, 1)
    assert status_of(order) == "in_fulfilment"
    for step in ("accepted", "picking", "packed", "shipped"):
        advance(ham, step, users["employee_ham"])
    assert status_of(order) == "shipped"  # the rejected part does not hold it back
    assert check_levels() == []


def test_after_a_part_shipped_a_rejection_sources_only_the_rejected_units(ctx, shelf,
                                                                         stores, users):
    order = paid_order(("SNK-1", 1), ("CAP-1", 1), sources={"SNK-1": "HAM", "CAP-1": "WH"})
    ham, wh = fulfilments(order)
    for step in ("accepted", "picking", "packed", "shipped"):
        advance(wh, step, "wms")
    assert status_of(order) == "partially_shipped"

    advance(ham, "rejected", users["employee_ham"], payload={"reason": "lost"})

    codes = [(f.location.code, f.status) for f in fulfilments(order)]
    assert codes == [("HAM", "rejected"), ("WH", "shipped"), ("BER", "assigned")]
    assert level(shelf["cap"], stores["WH"]) == (4, 0)  # the shipped cap is not sourced again
    assert status_of(order) == "partially_shipped"
    assert check_levels() == []


def test_a_rejection_nobody_else_can_take_keeps_the_order_open(ctx, shelf, stores, users):
    stock.receive_stock(make_product("HAT-1"), stores["HAM"], 1)
    order = paid_order(("HAT-1", 1), ("CAP-1", 1), sources={"HAT-1": "HAM", "CAP-1": "WH"})
    ham, wh = fulfilments(order)
    for step in ("accepted", "picking", "packed", "shipped"):
        advance(wh, step, "wms")

    advance(ham, "rejected", users["employee_ham"], payload={"reason": "lost"})

    order = Order.get_by_id(order.id)
    assert order.attention and order.status == "partially_shipped"  # not "shipped"
    assert [f.status for f in fulfilments(order)] == ["rejected", "shipped"]
    assert check_levels() == []


def test_an_illegal_step_changes_nothing(ctx, shelf, stores, users):
    order = paid_order(("SNK-1", 1))
    (fulfillment,) = fulfilments(order)
    before = (level(shelf["shoe"], stores["BER"]), StockMovement.select().count())

    with pytest.raises(IllegalFulfilmentStep, match="is assigned; it cannot become shipped"):
        advance(fulfillment, "shipped", users["employee"], event_id="e-1")

    assert status_of(fulfillment) == "assigned" and status_of(order) == "confirmed"
    assert (level(shelf["shoe"], stores["BER"]), StockMovement.select().count()) == before
    assert FulfillmentEvent.select().count() == 0
    assert {r.status for r in Reservation.select()} == {"active"}


def test_promised_units_cannot_be_shipped(ctx, shelf, stores, users):
    order = paid_order(("SNK-1", 1))
    (fulfillment,) = fulfilments(order)
    for step in ("accepted", "picking", "packed"):
        advance(fulfillment, step, users["employee"])
    Reservation.update(status="promised").execute()  # as if it waited for a delivery

    with pytest.raises(IllegalFulfilmentStep, match="promised from an incoming delivery"):
        advance(fulfillment, "shipped", users["employee"])
    assert status_of(fulfillment) == "packed" and status_of(order) == "in_fulfilment"
    assert StockMovement.select().where(StockMovement.kind == "sale").count() == 0


def test_work_of_a_cancelled_order_stops(ctx, shelf, users):
    order = paid_order(("SNK-1", 1))
    (fulfillment,) = fulfilments(order)
    cancel_order(Order.get_by_id(order.id), users["manager"], "customer called")

    with pytest.raises(IllegalFulfilmentStep, match="cancelled"):
        advance(fulfillment, "accepted", users["employee"])


def test_a_sale_taken_along_opens_no_fulfilment(ctx, shelf, stores, users):
    order = place_order(web_order(("SNK-1", 1), channel="store", delivery_method="carry_out",
                                  store="BER"))
    record_in_store_payment(order, "cash", "", users["employee"])
    assert fulfilments(order) == []
