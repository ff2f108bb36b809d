"""A location rejects its part of an order: the units are sourced again elsewhere, or
the order is marked as needing attention; traces are kept; nothing leaks."""

from __future__ import annotations

import pytest

from portal.inventory import services as stock
from portal.inventory.ledger import check_levels
from portal.inventory.models import StockLevel
from portal.orders.errors import OrderOutOfStock
from portal.orders.models import Order, OrderEvent, OrderLine, Reservation
from portal.orders.resourcing import CannotReject, reject_fulfilment
from portal.orders.services import cancel_order, place_order
from portal.sourcing.models import SourcingDecision
from portal.sourcing.services import publish_new_version
from tests.conftest import csrf_token, csrf_token_from, login
from tests.inventory.conftest import make_product
from tests.orders.test_place_order import web_order


@pytest.fixture
def shelf(stores):
    for code, postcode in (("BER", "10178"), ("HAM", "20095"), ("WH", "34123")):
        stores[code].postcode = postcode
        stores[code].save()
    shoe = make_product("SNK-1")
    for code, units in (("BER", 2), ("HAM", 1)):
        stock.receive_stock(shoe, stores[code], units)
    return shoe


def reserved(product, location) -> int:
    return StockLevel.get(StockLevel.product == product, StockLevel.location == location).reserved


def test_a_rejected_part_is_sourced_again_elsewhere(ctx, shelf, stores, users):
    order = place_order(web_order(("SNK-1", 1)))  # nearest to 10117: BER
    assert Reservation.get().location_id == stores["BER"].id

    reject_fulfilment(order, stores["BER"], users["employee"], "shelf empty, miscounted")

    assert reserved(shelf, stores["BER"]) == 0 and reserved(shelf, stores["HAM"]) == 1
    active = Reservation.select().where(Reservation.status == "active")
    assert [r.location_id for r in active] == [stores["HAM"].id]
    decisions = list(SourcingDecision.select().where(SourcingDecision.order == order)
                     .order_by(SourcingDecision.id))
    assert [d.reason for d in decisions] == ["placed", "rejected by BER"]
    excluded = [loc for loc in decisions[1].trace_entries[-1]["locations"]
                if loc["code"] == "BER"]
    assert excluded[0]["reason"] == "excluded"
    kinds = [e.kind for e in OrderEvent.select().where(OrderEvent.order == order)]
    assert "fulfilment_rejected" in kinds and "resourced" in kinds
    assert check_levels() == []


def test_when_nobody_else_can_the_order_needs_attention(ctx, shelf, stores, users):
    order = place_order(web_order(("SNK-1", 1)))
    reject_fulfilment(order, stores["BER"], users["employee"])

    order = reject_fulfilment(order, stores["HAM"], users["employee_ham"], "damaged")

    assert "No rule can source" in order.attention
    assert Reservation.select().where(Reservation.status == "active").count() == 0
    assert reserved(shelf, stores["BER"]) == 0 and reserved(shelf, stores["HAM"]) == 0
    assert order.status == "pending_payment"  # still the customer's order, now in the queue
    assert check_levels() == []


def test_rejecting_what_a_location_does_not_hold_changes_nothing(ctx, shelf, stores, users):
    order = place_order(web_order(("SNK-1", 1)))

    with pytest.raises(CannotReject, match="holds nothing"):
        reject_fulfilment(order, stores["WH"], users["logistics"])
    cancel_order(order)
    with pytest.raises(CannotReject, match="no longer waits"):
        reject_fulfilment(order, stores["BER"], users["employee"])

    assert OrderEvent.select().where(OrderEvent.kind == "fulfilment_rejected").count() == 0


def test_store_clerk_rejects_their_part_on_the_order_page(as_role, shelf, stores):
    order = place_order(web_order(("SNK-1", 1)))
    clerk = as_role("employee")  # Berlin, which holds the unit
    page = clerk.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Cannot fulfil" in page and "Sourcing decisions" in page

    response = clerk.post(f"/orders/{order.number}/fulfilments/BER/reject",
                          data={"csrf_token": csrf_token_from(page), "reason": "broken box"})

    assert response.status_code == 302
    assert Reservation.get(Reservation.status == "active").location_id == stores["HAM"].id
    after = clerk.get(response.headers["Location"]).get_data(as_text=True)
    assert "BER&#39;s part was sourced again." in after or "BER's part was sourced again." in after


def test_only_the_holding_store_or_the_office_may_reject(app, users, shelf, stores):
    order = place_order(web_order(("SNK-1", 1)))
    hamburg = app.test_client()
    login(hamburg, users["employee_ham"])
    logistics = app.test_client()
    login(logistics, users["logistics"])

    # Hamburg does not even see the order (it holds nothing of it); logistics may not
    # speak for a store.
    token = csrf_token(logistics, "/orders/")
    assert hamburg.post(f"/orders/{order.number}/fulfilments/BER/reject",
                        data={"csrf_token": csrf_token(hamburg, "/orders/")}).status_code == 404
    assert logistics.post(f"/orders/{order.number}/fulfilments/BER/reject",
                          data={"csrf_token": token}).status_code == 403
    assert Reservation.get(Reservation.status == "active").location_id == stores["BER"].id


def test_the_attention_queue_lists_orders_no_rule_could_place(as_role, shelf, stores, users):
    stuck = place_order(web_order(("SNK-1", 1)))
    fine = place_order(web_order(("SNK-1", 1)))
    reject_fulfilment(stuck, Reservation.select().join(OrderLine).where(
        OrderLine.order == stuck).get().location, users["manager"])
    stuck = Order.get_by_id(stuck.id)
    if not stuck.attention:  # the second unit went elsewhere: reject there too
        reject_fulfilment(stuck, Reservation.select().join(OrderLine).where(
            OrderLine.order == stuck, Reservation.status == "active").get().location,
            users["manager"])

    queue = as_role("manager").get("/orders/?attention=1").get_data(as_text=True)

    assert stuck.number in queue and fine.number not in queue
    assert "Needs attention (1)" in queue


def test_the_order_page_explains_the_sourcing_decision(as_role, shelf):
    order = place_order(web_order(("SNK-1", 1)))

    page = as_role("manager").get(f"/orders/{order.number}").get_data(as_text=True)

    section = page.split('id="sourcing"', 1)[1]
    assert "Nearest with the fewest parcels" in section and "built-in rules" in section
    assert "BER" in section and "HAM" in section  # the locations it weighed


def test_an_order_no_rule_may_place_waits_in_the_queue_until_sourced_again(
        as_role, shelf, stores, users):
    publish_new_version([{"name": "Warehouse only", "pool": {"kinds": ["warehouse"]}}],
                        users["manager"])

    order = place_order(web_order(("SNK-1", 1)))  # only stores have it

    assert order.attention == "No sourcing rule can fulfil this order."
    assert Reservation.select().count() == 0 and reserved(shelf, stores["BER"]) == 0
    decision = SourcingDecision.get(SourcingDecision.order == order)
    assert decision.rule_name == "" and decision.trace_entries[0]["outcome"] == "no_plan"

    publish_new_version([{"name": "Stores too", "pool": {"kinds": ["store", "warehouse"]}}],
                        users["manager"])
    manager = as_role("manager")
    page = manager.get(f"/orders/{order.number}").get_data(as_text=True)
    response = manager.post(f"/orders/{order.number}/source-again",
                            data={"csrf_token": csrf_token_from(page)})

    assert response.status_code == 302
    assert Order.get_by_id(order.id).attention == ""
    assert Reservation.get().location_id == stores["BER"].id
    assert check_levels() == []


def test_an_order_nobody_has_stock_for_is_refused(ctx, shelf):
    with pytest.raises(OrderOutOfStock):
        place_order(web_order(("SNK-1", 4)))  # 3 in all

    assert Order.select().count() == 0
