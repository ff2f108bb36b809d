"""Placing orders reserves stock atomically at the best location(s); cancelling gives
it back; no oversell under concurrency."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.db import utcnow
from portal.inventory import services as stock
from portal.inventory.buffers import set_channel_buffer
from portal.inventory.ledger import check_levels
from portal.inventory.models import StockLevel
from portal.orders.errors import IllegalTransition, OrderInvalid, OrderOutOfStock
from portal.orders.models import Order, OrderEvent, Reservation
from portal.orders.services import (
    NewOrder,
    cancel_order,
    place_order,
    transition_order,
)
from portal.payments.expiry import expire_unpaid_orders
from tests.inventory.conftest import make_product
from tests.inventory.test_concurrency import run_in_threads


def web_order(*lines, **fields) -> NewOrder:
    defaults = {"channel": "web", "customer_name": "Erika Mustermann",
                "customer_email": "erika@example.com", "ship_name": "Erika Mustermann",
                "ship_street": "Unter den Linden 1", "ship_postcode": "10117",
                "ship_city": "Berlin", "lines": [{"sku": s, "quantity": q} for s, q in lines]}
    return NewOrder(**{**defaults, **fields})


def reserved(product, location) -> int:
    level = StockLevel.get_or_none(StockLevel.product == product,
                                   StockLevel.location == location)
    return level.reserved if level else 0


@pytest.fixture
def shelf(stores):
    shoe, cap = make_product("SNK-1"), make_product("CAP-1")
    for code, postcode in (("BER", "10178"), ("HAM", "20095"), ("WH", "34123")):
        stores[code].postcode = postcode
    for store in stores.values():
        store.save()
    stock.receive_stock(shoe, stores["BER"], 3)
    stock.receive_stock(cap, stores["BER"], 1)
    stock.receive_stock(shoe, stores["WH"], 10)
    stock.receive_stock(cap, stores["WH"], 5)
    return {"shoe": shoe, "cap": cap}


def test_a_web_order_is_numbered_reserved_and_waits_for_payment(ctx, shelf, stores):
    order = place_order(web_order(("SNK-1", 2), ("CAP-1", 1)))

    assert order.number == f"OMS-{order.created_at.year}-{order.id:06d}"
    assert order.status == "pending_payment" and len(order.tracking_token) >= 32
    assert order.total == 2 * shelf["shoe"].price + shelf["cap"].price
    # Berlin (nearest by postcode) has everything: one parcel from there
    assert (reserved(shelf["shoe"], stores["BER"]), reserved(shelf["cap"], stores["BER"])) == (2, 1)
    assert order.reserved_until > utcnow() + timedelta(minutes=25)
    assert [e.kind for e in OrderEvent.select().where(OrderEvent.order == order)] == ["created"]
    assert check_levels() == []


def test_the_same_sku_on_two_lines_counts_both(ctx, shelf, stores):
    place_order(web_order(("SNK-1", 2), ("SNK-1", 2)))

    assert reserved(shelf["shoe"], stores["BER"]) + reserved(shelf["shoe"], stores["WH"]) == 4
    assert reserved(shelf["shoe"], stores["WH"]) == 4  # only the warehouse has 4: no split


def test_split_only_when_no_single_location_has_everything(ctx, shelf, stores):
    order = place_order(web_order(("SNK-1", 12)))

    places = sorted((r.location.code, r.quantity) for r in Reservation.select())
    assert places == [("BER", 3), ("WH", 9)]  # nearest first, the rest from the warehouse
    assert order.status == "pending_payment"


def test_click_and_collect_prefers_the_pickup_store(ctx, shelf, stores):
    stock.receive_stock(shelf["shoe"], stores["HAM"], 1)

    place_order(web_order(("SNK-1", 1), delivery_method="click_collect", pickup_location="HAM"))

    assert reserved(shelf["shoe"], stores["HAM"]) == 1


def test_out_of_stock_reserves_nothing_and_creates_no_order(ctx, shelf, stores):
    with pytest.raises(OrderOutOfStock):
        place_order(web_order(("SNK-1", 2), ("CAP-1", 7)))

    assert Order.select().count() == 0
    assert sum(level.reserved for level in StockLevel.select()) == 0


def test_channel_buffers_are_kept_free(ctx, shelf, stores, users):
    set_channel_buffer("web", None, 1, users["manager"])

    with pytest.raises(OrderOutOfStock):
        place_order(web_order(("CAP-1", 5)))  # 1 + 5 in stock, 1 held back at each place
    place_order(web_order(("CAP-1", 4)))

    assert reserved(shelf["cap"], stores["WH"]) == 4


@pytest.mark.parametrize("change,field", [
    ({"lines": []}, "lines"),
    ({"lines": [{"sku": "NOPE", "quantity": 1}]}, "lines.0.sku"),
    ({"lines": [{"sku": "SNK-1", "quantity": 0}]}, "lines.0.quantity"),
    ({"lines": [{"sku": "SNK-1", "quantity": "2"}]}, "lines.0.quantity"),
    ({"lines": [{"sku": "SNK-1", "quantity": 1, "unit_price": "1.00"}]}, "lines.0.unit_price"),
    ({"lines": [{"sku": "SNK-1", "quantity": 1, "unit_price": "cheap"}]}, "lines.0.unit_price"),
    ({"customer_email": "not-an-address"}, "customer.email"),
    ({"ship_street": ""}, "shipping_address.street"),
    ({"delivery_method": "click_collect", "pickup_location": "WH"}, "delivery.pickup_location"),
    ({"delivery_method": "drone"}, "delivery.method"),
    ({"channel": "fax"}, "channel"),
])
def test_bad_orders_are_refused_with_the_field_and_nothing_changes(ctx, shelf, change, field):
    request = web_order(("SNK-1", 1))
    for name, value in change.items():
        setattr(request, name, value)

    with pytest.raises(OrderInvalid) as refused:
        place_order(request)

    assert field in refused.value.fields
    assert Order.select().count() == 0


def test_cancelling_releases_the_stock_once(ctx, shelf, stores, users):
    order = place_order(web_order(("SNK-1", 2)))

    cancel_order(order, users["manager"], "customer changed their mind")

    assert reserved(shelf["shoe"], stores["BER"]) == 0
    assert Order.get_by_id(order.id).status == "cancelled"
    with pytest.raises(IllegalTransition):
        cancel_order(Order.get_by_id(order.id), users["manager"])
    assert check_levels() == []


def test_status_follows_the_transition_table(ctx, shelf):
    order = place_order(web_order(("SNK-1", 1)))

    with pytest.raises(IllegalTransition):
        transition_order(order, "shipped")
    transition_order(order, "confirmed")
    stale = Order.get_by_id(order.id)
    stale.status = "pending_payment"  # another clerk's out-of-date copy
    with pytest.raises(IllegalTransition, match="changed meanwhile"):
        transition_order(stale, "cancelled")
    assert Order.get_by_id(order.id).status == "confirmed"


def test_unpaid_orders_expire_and_release_their_stock(ctx, shelf, stores):
    old = place_order(web_order(("SNK-1", 1)))
    fresh = place_order(web_order(("SNK-1", 1)))
    (Order.update(reserved_until=utcnow() - timedelta(minutes=1))
     .where(Order.id == old.id).execute())

    assert expire_unpaid_orders() == 1

    assert Order.get_by_id(old.id).status == "cancelled"
    assert Order.get_by_id(fresh.id).status == "pending_payment"
    assert reserved(shelf["shoe"], stores["BER"]) == 1


def test_no_oversell_with_fifty_buyers(app, stores):
    product = make_product("LAST-1")
    stock.receive_stock(product, stores["BER"], 20)
    stock.receive_stock(product, stores["HAM"], 17)
    from portal.db import db

    db.close()

    def buyer(_index):
        won = 0
        for _ in range(4):
            try:
                place_order(web_order(("LAST-1", 1)))
                won += 1
            except OrderOutOfStock:
                pass
        return won

    results = run_in_threads(app, buyer, 50)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert sum(results) == 37
    assert Order.select().count() == 37
    assert sum(level.reserved for level in StockLevel.select()) == 37
    assert check_levels() == []


def test_expire_cli_reports_what_it_cancelled(app, shelf):
    order = place_order(web_order(("SNK-1", 1)))
    (Order.update(reserved_until=utcnow() - timedelta(minutes=1))
     .where(Order.id == order.id).execute())

    result = app.test_cli_runner().invoke(args=["orders", "expire"])

    assert result.exit_code == 0 and "Cancelled 1 unpaid order(s)." in result.output
