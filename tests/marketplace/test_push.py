"""Pushing availability: only SKUs with new ledger rows, in batches, the bookmark moved
only after the marketplace accepted a batch."""

from __future__ import annotations

import json
import threading

import pytest
from werkzeug import Response

from portal.db import db, is_sqlite, transaction
from portal.inventory import services as stock
from portal.inventory.buffers import set_channel_buffer
from portal.inventory.models import IncomingStock, StockMovement
from portal.jobs.context import JobContext
from portal.marketplace import push as push_module
from portal.marketplace.client import MarketplaceError
from portal.marketplace.push import push, push_all
from portal.marketplace.sync import sync_state
from portal.orders.services import NewOrder, place_order
from tests.marketplace.conftest import TOKEN


def pushed(httpserver) -> list[dict]:
    """The items of every availability call the marketplace received, in order."""
    return [json.loads(request.get_data())["items"] for request, _response in httpserver.log
            if request.path == "/mp/availability"]


def accept(httpserver):
    httpserver.expect_request("/mp/availability", method="POST").respond_with_json({"ok": 1})


def newest_movement() -> int:
    return StockMovement.select().order_by(StockMovement.id.desc()).first().id


def test_the_first_push_sends_every_sku_with_movements_where_the_marketplace_sells(
        ctx, shelf, stores, httpserver, make_client):
    accept(httpserver)
    set_channel_buffer("marketplace", stores["WH"], 1)  # held back from the marketplace
    job = JobContext()

    push(job, make_client())

    assert pushed(httpserver) == [[{"sku": "SNK-1", "available": 4},
                                   {"sku": "SNK-2", "available": 2},
                                   {"sku": "SNK-3", "available": 7}]]  # CAP-1: a store only
    request = httpserver.log[0][0]
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert (job.rows_read, job.rows_changed, job.errors) == (3, 3, [])
    assert sync_state().pushed_movement_id == newest_movement()


def test_a_second_push_sends_only_the_sku_that_changed(ctx, shelf, stores, httpserver,
                                                       make_client):
    accept(httpserver)
    push(JobContext(), make_client())
    stock.adjust_stock(shelf["SNK-2"], stores["WH"], -1, "damage")
    IncomingStock.create(product=shelf["SNK-3"], location=stores["WH"], quantity=5,
                         expected_on="2030-01-01", source="supplier_order")  # no movement

    push(JobContext(), make_client())
    push(JobContext(), make_client())  # nothing new: nothing sent

    assert pushed(httpserver)[1:] == [[{"sku": "SNK-2", "available": 2}]]


def test_a_reservation_is_a_change_too(ctx, shelf, stores, httpserver, make_client):
    accept(httpserver)
    push(JobContext(), make_client())
    place_order(NewOrder(channel="marketplace", customer_name="Erika", ship_name="Erika",
                         ship_street="Unter den Linden 1", ship_postcode="10117",
                         ship_city="Berlin", lines=[{"sku": "SNK-3", "quantity": 2}]))

    push(JobContext(), make_client())

    assert pushed(httpserver)[1:] == [[{"sku": "SNK-3", "available": 6}]]


def test_a_deactivated_sku_is_pushed_as_zero_and_push_all_sends_every_sku(
        ctx, shelf, stores, httpserver, make_client):
    accept(httpserver)
    shelf["SNK-1"].active = False
    shelf["SNK-1"].save()

    push_all(JobContext(), make_client())

    assert pushed(httpserver) == [[{"sku": "SNK-1", "available": 0},
                                   {"sku": "SNK-2", "available": 3},
                                   {"sku": "SNK-3", "available": 8},
                                   {"sku": "CAP-1", "available": 0}]]
    assert sync_state().pushed_movement_id == newest_movement()


def test_a_server_error_is_retried_with_growing_pauses(ctx, shelf, httpserver, make_client,
                                                      sleeps):
    for status in (500, 503):
        httpserver.expect_oneshot_request("/mp/availability").respond_with_data("", status)
    accept(httpserver)

    push(JobContext(), make_client())

    assert len(pushed(httpserver)) == 3 and sleeps == [0.5, 1.0]
    assert sync_state().pushed_movement_id == newest_movement()


def test_a_marketplace_that_keeps_failing_fails_the_run_and_keeps_the_bookmark(
        ctx, shelf, httpserver, make_client, sleeps):
    httpserver.expect_request("/mp/availability").respond_with_data("down", 502)

    with pytest.raises(MarketplaceError, match="HTTP 502.*3 tries"):
        push(JobContext(), make_client())

    assert len(pushed(httpserver)) == 3 and sleeps == [0.5, 1.0]
    assert sync_state().pushed_movement_id == 0


def test_a_refusal_is_not_retried(ctx, shelf, httpserver, make_client):
    httpserver.expect_request("/mp/availability").respond_with_data("bad token", 401)

    with pytest.raises(MarketplaceError, match="HTTP 401 bad token"):
        push(JobContext(), make_client())

    assert len(pushed(httpserver)) == 1 and sync_state().pushed_movement_id == 0


def test_a_timeout_is_retried_then_reported(ctx, shelf, httpserver, make_client):
    release = threading.Event()

    def slow(_request):
        release.wait(2)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/mp/availability").respond_with_handler(slow)
    try:
        with pytest.raises(MarketplaceError, match="timed out.*2 tries"):
            push(JobContext(), make_client(timeout=0.2, attempts=2))
    finally:
        release.set()
    assert sync_state().pushed_movement_id == 0


def test_a_failed_batch_is_sent_again_by_the_next_run(ctx, shelf, httpserver, make_client,
                                                      monkeypatch):
    monkeypatch.setattr(push_module, "BATCH", 2)
    accept_once = httpserver.expect_oneshot_request("/mp/availability")
    accept_once.respond_with_json({"ok": 1})
    httpserver.expect_oneshot_request("/mp/availability").respond_with_data("", 500)
    first_of_snk3 = (StockMovement.select().where(StockMovement.product == shelf["SNK-3"])
                     .order_by(StockMovement.id).first().id)

    with pytest.raises(MarketplaceError):
        push(JobContext(), make_client(attempts=1))
    assert sync_state().pushed_movement_id == first_of_snk3 - 1
    accept(httpserver)
    push(JobContext(), make_client())

    assert [[item["sku"] for item in items] for items in pushed(httpserver)] == [
        ["SNK-1", "SNK-2"], ["SNK-3"], ["SNK-3"]]
    assert sync_state().pushed_movement_id == newest_movement()


def test_a_movement_committed_late_with_a_lower_id_is_not_skipped(app, shelf, stores,
                                                                  httpserver, make_client):
    """PostgreSQL hands out ids before commit: a slow writer's row may appear below
    the bookmark's candidate. SQLite has one writer at a time (ids follow commits), so
    there the push during the open write sends nothing and the next one the row."""
    accept(httpserver)
    push(JobContext(), make_client())
    written, finish = threading.Event(), threading.Event()

    def slow_writer():
        with app.app_context():
            try:
                with transaction():
                    stock.receive_stock(shelf["SNK-1"], stores["WH"], 1)
                    written.set()
                    finish.wait(10)
            finally:
                db.close()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    sqlite = is_sqlite()
    client = make_client()

    def pushing():
        with app.app_context():
            try:
                push(JobContext(), client)
            finally:
                db.close()

    try:
        assert written.wait(10)
        if sqlite:  # the push meets the open write: it waits for it and sends its row
            pusher = threading.Thread(target=pushing)
            pusher.start()
            pusher.join(0.3)
            finish.set()
            pusher.join(10)
        else:
            stock.receive_stock(shelf["SNK-2"], stores["WH"], 1)  # a higher id, committed
            push(JobContext(), client)
    finally:
        finish.set()
        writer.join()
    push(JobContext(), make_client())

    expected = [["SNK-1"]] if sqlite else [["SNK-2"], ["SNK-1", "SNK-2"]]
    assert [[item["sku"] for item in items] for items in pushed(httpserver)[1:]] == expected
    assert sync_state().pushed_movement_id == newest_movement()
