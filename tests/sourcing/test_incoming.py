"""Rules that allow incoming stock within N days promise units of open deliveries, with
dates; receipt turns promises into shelf reservations; nothing is promised twice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.db import local_today
from portal.inventory import services as stock
from portal.inventory.ledger import check_levels
from portal.inventory.models import IncomingStock, StockLevel
from portal.orders.errors import OrderOutOfStock
from portal.orders.models import Order, Reservation
from portal.orders.services import cancel_order, place_order
from portal.sourcing.models import SourcingDecision
from portal.sourcing.services import publish_new_version
from tests.inventory.conftest import make_product
from tests.orders.test_place_order import web_order

WAREHOUSE_WITH_INCOMING = [{"name": "Warehouse, deliveries within a week",
                            "pool": {"kinds": ["warehouse"]},
                            "limits": {"max_fulfilments": 1, "incoming_days": 7}}]


@pytest.fixture
def delivery(stores, users):
    """SNK-1: none on the shelf anywhere, 5 arriving at the warehouse in 3 days, 9 more
    in 20 days."""
    shoe = make_product("SNK-1")
    soon = IncomingStock.create(product=shoe, location=stores["WH"], quantity=5,
                                expected_on=local_today() + timedelta(days=3),
                                source="supplier_order", reference="PO-1")
    IncomingStock.create(product=shoe, location=stores["WH"], quantity=9,
                         expected_on=local_today() + timedelta(days=20),
                         source="supplier_order", reference="PO-2")
    publish_new_version(WAREHOUSE_WITH_INCOMING, users["manager"])
    return soon


def promised(delivery) -> int:
    return IncomingStock.get_by_id(delivery.id).promised


def test_an_order_is_promised_units_of_a_delivery_with_its_date(ctx, delivery, stores):
    order = place_order(web_order(("SNK-1", 2)))

    reservation = Reservation.get()
    assert (reservation.status, reservation.incoming_id, reservation.quantity) == (
        "promised", delivery.id, 2)
    assert promised(delivery) == 2
    assert StockLevel.select().where(StockLevel.reserved > 0).count() == 0  # shelf untouched
    decision = SourcingDecision.get(SourcingDecision.order == order)
    assert decision.plan_entries[0]["expected_on"] == delivery.expected_on.isoformat()
    assert decision.trace_entries[0]["score"]["promised"][0]["quantity"] == 2


def test_deliveries_beyond_the_rule_s_days_and_promised_units_are_not_promised(
        ctx, delivery):
    place_order(web_order(("SNK-1", 4)))

    with pytest.raises(OrderOutOfStock):  # 1 left this week; PO-2 is 20 days away
        place_order(web_order(("SNK-1", 2)))

    assert promised(delivery) == 4 and Order.select().count() == 1


def test_receipt_turns_promises_into_shelf_reservations(ctx, delivery, stores):
    place_order(web_order(("SNK-1", 2)))
    place_order(web_order(("SNK-1", 2)))

    stock.receive_incoming(delivery, quantity=3)  # short: one promise and half of the other

    statuses = sorted((r.status, r.quantity) for r in Reservation.select())
    assert statuses == [("active", 1), ("active", 2), ("promised", 1)]
    level = StockLevel.get(StockLevel.location == stores["WH"])
    assert (level.on_hand, level.reserved) == (3, 3)
    rest = IncomingStock.get_by_id(delivery.id)
    assert (rest.quantity, rest.promised, rest.status) == (2, 1, "open")
    assert check_levels() == []

    stock.receive_incoming(rest)

    assert {r.status for r in Reservation.select()} == {"active"}
    assert StockLevel.get(StockLevel.location == stores["WH"]).reserved == 4
    assert check_levels() == []


def test_cancelling_gives_promised_units_back_to_the_delivery(ctx, delivery):
    order = place_order(web_order(("SNK-1", 3)))

    cancel_order(order)

    assert promised(delivery) == 0 and Reservation.get().status == "released"


def test_a_delivery_first_refills_safety_stock(ctx, delivery, stores):
    level = StockLevel.create(product=delivery.product, location=stores["WH"], on_hand=0,
                              safety_stock=2)
    assert level.safety_stock == 2

    with pytest.raises(OrderOutOfStock):
        place_order(web_order(("SNK-1", 4)))  # 5 arrive, 2 refill safety stock: 3 free

    place_order(web_order(("SNK-1", 3)))
    assert promised(delivery) == 3


def test_the_order_page_shows_promised_units_with_their_date(as_role, delivery):
    order = place_order(web_order(("SNK-1", 1)))

    page = as_role("manager").get(f"/orders/{order.number}").get_data(as_text=True)

    assert "SNK-1 × 1 · incoming, due" in page
