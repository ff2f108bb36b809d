"""The portal's own jobs, run through the runner as the scheduler runs them."""

from __future__ import annotations

from datetime import timedelta

from portal.db import local_today, utcnow
from portal.inventory import services as stock
from portal.inventory.models import IncomingStock, StockLevel, StockMovement
from portal.jobs.runner import run_job
from portal.orders.models import Order
from portal.orders.services import place_order
from tests.inventory.conftest import make_product
from tests.orders.test_place_order import shelf, web_order  # noqa: F401 - a fixture


def test_late_deliveries_are_counted_and_listed_and_nothing_changes(ctx, stores):
    product = make_product("JKT-1")
    today = local_today()
    late = IncomingStock.create(product=product, location=stores["WH"], quantity=30,
                                expected_on=today - timedelta(days=3),
                                source="supplier_order", reference="PO-LATE")
    IncomingStock.create(product=product, location=stores["BER"], quantity=5,
                         expected_on=today, source="supplier_order", reference="PO-TODAY")
    IncomingStock.create(product=product, location=stores["HAM"], quantity=5,
                         expected_on=today - timedelta(days=9), source="supplier_order",
                         reference="PO-DONE", status="received")

    run = run_job("late_deliveries", "schedule")

    assert run.status == "succeeded"
    assert (run.rows_read, run.rows_changed, run.error_count) == (1, 0, 1)
    [entry] = run.error_list
    assert "PO-LATE" in entry["message"] and "JKT-1" in entry["message"]
    assert "WH" in entry["message"] and "3 days late" in entry["message"]
    assert IncomingStock.get_by_id(late.id).status == "open"
    assert StockMovement.select().count() == 0


def test_the_stock_check_reports_each_difference_as_an_error(ctx, stores):

    product = make_product("SNK-9")
    stock.receive_stock(product, stores["BER"], 5)
    StockLevel.update(on_hand=7).execute()  # behind the ledger's back

    run = run_job("stock_check", "schedule")

    assert run.status == "succeeded"
    assert run.rows_read == 1 and run.error_count == 1
    assert "SNK-9 @ BER" in run.error_list[0]["message"]


def test_the_reservation_expiry_job_cancels_unpaid_orders(ctx, shelf):  # noqa: F811

    order = place_order(web_order(("SNK-1", 1)))
    Order.update(reserved_until=utcnow() - timedelta(minutes=1)).where(
        Order.id == order.id).execute()

    run = run_job("reservation_expiry", "schedule")

    assert (run.status, run.rows_read, run.rows_changed) == ("succeeded", 1, 1)
    assert Order.get_by_id(order.id).status == "cancelled"
    assert run_job("reservation_expiry", "schedule").rows_changed == 0  # idempotent


def test_the_outbox_and_pickup_jobs_run_with_nothing_to_do(ctx):

    for name in ("outbox", "pickups_expire"):
        run = run_job(name, "schedule")
        assert (run.status, run.rows_read, run.rows_changed) == ("succeeded", 0, 0), name
