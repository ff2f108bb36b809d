"""An order gets its number OMS-<year>-<id:06d> in the INSERT itself (no second UPDATE);
the stored row, the returned order and its lines all agree."""

from __future__ import annotations

import pytest

from portal.db import db, is_sqlite
from portal.inventory import services as stock
from portal.orders.models import Order, OrderLine, Reservation
from portal.orders.services import place_order
from tests.inventory.conftest import make_product
from tests.orders.test_place_order import web_order


@pytest.fixture
def shelf(stores):
    for sku in ("SNK-1", "CAP-1"):
        stock.receive_stock(make_product(sku), stores["BER"], 5)


def _skip_ids_to(next_id: int) -> None:
    """Make the next order id ``next_id``, as after a long life of the shop."""
    if is_sqlite():  # SQLite takes the largest id + 1
        Order.insert(id=next_id - 1, tracking_token="older", channel="web",
                     customer_name="Older", delivery_method="home", total=0).execute()
    else:
        db.execute_sql("SELECT setval(pg_get_serial_sequence('sales_order', 'id'), %s)",
                       (next_id - 1,))


def test_the_number_is_stored_with_the_row_and_follows_the_id(ctx, shelf):
    first = place_order(web_order(("SNK-1", 1)))
    second = place_order(web_order(("SNK-1", 1), ("CAP-1", 1)))

    for order in (first, second):
        stored = Order.get_by_id(order.id)
        assert stored.number == order.number == f"OMS-{stored.created_at.year}-{order.id:06d}"
    assert second.id > first.id
    lines = OrderLine.select().where(OrderLine.order == second).order_by(OrderLine.line_no)
    assert [(line.id, line.line_no) for line in lines] == [(line.id, n) for n, line in
                                                           enumerate(lines, start=1)]
    reserved_lines = {r.line_id for r in Reservation.select().join(OrderLine)
                      .where(OrderLine.order == second)}
    assert reserved_lines == {line.id for line in lines}


def test_ids_beyond_six_digits_keep_all_their_digits(ctx, shelf):
    _skip_ids_to(1_234_567)

    order = place_order(web_order(("SNK-1", 1)))

    assert order.id == 1_234_567
    assert order.number == f"OMS-{order.created_at.year}-1234567"
    assert Order.get_by_id(order.id).number == order.number
