"""Click & Collect: the pickup code, the store's own part and a warehouse part sent to
the store, wrong codes, the lock after too many, and orders nobody collected."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.db import utcnow
from portal.fulfilment.errors import IllegalFulfilmentStep
from portal.fulfilment.handover import PickupRefused, collect
from portal.fulfilment.pickup import expire_uncollected, send_new_code
from portal.fulfilment.services import advance
from portal.inventory.ledger import check_levels
from portal.inventory.models import StockMovement
from portal.notifications.models import OutboxMessage
from portal.orders.models import Order, OrderEvent, Reservation
from portal.orders.services import cancel_order
from portal.payments.models import Refund
from portal.shipping.models import Shipment
from portal.shipping.tracking import report
from tests.fulfilment.conftest import fulfilments, level, paid_order


def status_of(record) -> str:
    return type(record).get_by_id(record.id).status


def pickup_code(order) -> str:
    """The newest code the customer was e-mailed."""
    message = (OutboxMessage.select().where(OutboxMessage.order == order.id,
                                            OutboxMessage.kind == "pickup_ready")
               .order_by(OutboxMessage.id.desc()).first())
    return re.search(r"pickup code: (\d{6})", message.text_body)[1]


def ready_at_store(users, **fields):
    order = paid_order(("SNK-1", 1), delivery_method="click_collect", pickup_location="BER",
                       sources={"SNK-1": "BER"}, **fields)
    (part,) = fulfilments(order)
    for step in ("accepted", "picking", "packed", "ready_for_pickup"):
        advance(part, step, users["employee"])
    return Order.get_by_id(order.id), part


def test_a_part_at_the_pickup_store_makes_the_order_ready_and_sends_a_code(ctx, shelf, stores,
                                                                           users):
    order, part = ready_at_store(users)

    assert order.status == "ready_for_pickup" and order.pickup_ready_at is not None
    assert Shipment.select().count() == 0  # nothing travels
    code = pickup_code(order)
    assert code not in order.pickup_code_hash  # only a hash is kept
    message = OutboxMessage.get(OutboxMessage.kind == "pickup_ready")
    assert "Berlin Mitte" in message.text_body and message.recipient == "erika@example.com"


def test_a_wrong_code_is_refused_and_changes_nothing_but_the_count(ctx, shelf, stores, users):
    order, part = ready_at_store(users)
    before = (level(shelf["shoe"], stores["BER"]), StockMovement.select().count())
    wrong = f"{(int(pickup_code(order)) + 1) % 10**6:06d}"

    with pytest.raises(PickupRefused, match="Wrong pickup code .* 4 tries left"):
        collect(order, stores["BER"], wrong, users["employee"])

    assert status_of(order) == "ready_for_pickup" and status_of(part) == "ready_for_pickup"
    assert (level(shelf["shoe"], stores["BER"]), StockMovement.select().count()) == before
    assert Order.get_by_id(order.id).pickup_attempts == 1


def test_the_right_code_hands_the_order_over(ctx, shelf, stores, users):
    order, part = ready_at_store(users)

    collect(order, stores["BER"], f" {pickup_code(order)} ", users["employee"])

    assert status_of(order) == "collected" and status_of(part) == "collected"
    assert level(shelf["shoe"], stores["BER"]) == (2, 0)
    assert {r.status for r in Reservation.select()} == {"handed_over"}
    assert check_levels() == []


def test_only_the_pickup_store_hands_over(ctx, shelf, stores, users):
    order, _part = ready_at_store(users)
    with pytest.raises(PickupRefused, match="another store"):
        collect(order, stores["HAM"], pickup_code(order), users["employee_ham"])
    assert status_of(order) == "ready_for_pickup"


def test_collected_cannot_be_reported_without_the_code(ctx, shelf, stores, users):
    _order, part = ready_at_store(users)
    with pytest.raises(IllegalFulfilmentStep, match="pickup code"):
        advance(part, "collected", users["employee"])
    assert status_of(part) == "ready_for_pickup"


def test_too_many_wrong_codes_lock_until_a_new_code_is_sent(ctx, shelf, stores, users):
    order, _part = ready_at_store(users)
    old = pickup_code(order)
    for _ in range(5):
        with pytest.raises(PickupRefused, match="Wrong pickup code"):
            collect(order, stores["BER"], "000000" if old != "000000" else "111111",
                    users["employee"])
    with pytest.raises(PickupRefused, match="Too many wrong codes"):
        collect(order, stores["BER"], old, users["employee"])  # even the right one now

    send_new_code(Order.get_by_id(order.id), users["employee"])
    new = pickup_code(order)
    if new != old:
        with pytest.raises(PickupRefused, match="Wrong pickup code"):
            collect(order, stores["BER"], old, users["employee"])
    collect(order, stores["BER"], new, users["employee"])
    assert status_of(order) == "collected"


def cap_on_the_road(users):
    """A Berlin pickup: the shoe waits at the store, the caps travel from the warehouse."""
    order = paid_order(("SNK-1", 1), ("CAP-1", 2), delivery_method="click_collect",
                       pickup_location="BER", sources={"SNK-1": "BER", "CAP-1": "WH"})
    ber, wh = fulfilments(order)
    for step in ("accepted", "picking", "packed", "ready_for_pickup"):
        advance(ber, step, users["employee"])
    for step in ("accepted", "picking", "packed", "shipped"):
        advance(wh, step, users["logistics"])
    return Order.get_by_id(order.id), Shipment.get(Shipment.fulfillment == wh.id)


def test_a_warehouse_part_travels_to_the_store_and_the_order_waits_for_it(ctx, shelf, stores,
                                                                          users):
    order, shipment = cap_on_the_road(users)
    assert (shipment.destination, shipment.to_location.code) == ("store", "BER")
    assert shipment.status == "handed_over"
    assert status_of(order) == "in_fulfilment"  # the cap is on the road
    assert not OutboxMessage.select().where(OutboxMessage.kind.in_(
        ["shipment_sent", "pickup_ready"])).exists()  # nothing for the customer yet

    report(shipment, "delivered", users["employee"], place="BER")

    assert status_of(order) == "ready_for_pickup"
    collect(order, stores["BER"], pickup_code(order), users["employee"])
    assert status_of(order) == "collected"
    assert [f.status for f in fulfilments(order)] == ["collected", "shipped"]
    assert check_levels() == []


def test_an_order_nobody_collects_is_cancelled_refunded_and_restocked(ctx, shelf, stores,
                                                                      users):
    order, shipment = cap_on_the_road(users)
    report(shipment, "delivered", users["employee"])
    assert expire_uncollected(now=utcnow() + timedelta(days=6)) == []  # still in time

    assert expire_uncollected(now=utcnow() + timedelta(days=8)) == [order.number]

    assert status_of(order) == "cancelled"
    assert [f.status for f in fulfilments(order)] == ["cancelled", "shipped"]
    assert level(shelf["shoe"], stores["BER"]) == (3, 0)  # released
    assert level(shelf["cap"], stores["BER"]) == (2, 0)   # the caps that came stay here
    assert level(shelf["cap"], stores["WH"]) == (3, 0)
    movement = StockMovement.get(StockMovement.kind == "return")
    assert (movement.reference, movement.reason) == (order.number, "not collected in time")
    assert [r.status for r in Refund.select()] == ["succeeded"]
    assert OutboxMessage.select().where(OutboxMessage.kind == "order_cancelled").exists()
    assert check_levels() == []
    assert expire_uncollected(now=utcnow() + timedelta(days=30)) == []  # once only


def test_cancelling_an_order_cancels_its_open_fulfilments(ctx, shelf, stores, users):
    order = paid_order(("SNK-1", 1), ("CAP-1", 1), sources={"SNK-1": "BER", "CAP-1": "WH"})
    ber, _wh = fulfilments(order)
    advance(ber, "accepted", users["employee"])

    cancel_order(Order.get_by_id(order.id), users["manager"], "customer called")

    assert [f.status for f in fulfilments(order)] == ["cancelled", "cancelled"]
    assert check_levels() == []


def test_a_customer_without_e_mail_is_handed_over_after_an_id_check(ctx, shelf, stores, users):
    order, part = ready_at_store(users, customer_email="")
    assert not OutboxMessage.select().where(OutboxMessage.kind == "pickup_ready").exists()

    with pytest.raises(PickupRefused, match="Check that the customer's ID shows Erika"):
        collect(order, stores["BER"], "", users["employee"])
    assert status_of(order) == "ready_for_pickup"

    collect(order, stores["BER"], "", users["employee"], id_checked=True)
    assert status_of(order) == "collected" and status_of(part) == "collected"
    collected = OrderEvent.get(OrderEvent.order == order.id, OrderEvent.to_status == "collected")
    assert collected.note == "handed over at BER after an ID check"
