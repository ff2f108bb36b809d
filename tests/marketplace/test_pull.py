"""Pulling marketplace orders: placed and confirmed once per marketplace id, bad ones
reported by id while the others go through, two pulls at once still make one order."""

from __future__ import annotations

import json
from decimal import Decimal

from werkzeug import Response

from portal.jobs.context import JobContext
from portal.marketplace.pull import pull
from portal.marketplace.sync import sync_state
from portal.orders.models import Order
from portal.payments.models import Payment
from portal.payments.refunds import refund_payment
from tests.inventory.test_concurrency import run_in_threads
from tests.marketplace.conftest import mp_order


def serve_pages(httpserver, *pages: list[dict]) -> None:
    """The marketplace answers ``page`` n with ``pages[n-1]``, whatever ``since`` says."""

    def answer(request):
        page = int(request.args["page"])
        body = {"orders": pages[page - 1],
                "next_page": page + 1 if page < len(pages) else None}
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/mp/orders", method="GET").respond_with_handler(answer)


def asked(httpserver) -> list[dict]:
    return [dict(request.args) for request, _response in httpserver.log]


def test_pulled_orders_are_placed_paid_and_confirmed_once(ctx, shelf, httpserver,
                                                          make_client):
    serve_pages(httpserver, [mp_order("MP-1", ("SNK-1", 2))],
                [mp_order("MP-2", ("SNK-3", 1), created_at="2026-03-01T10:05:00Z")])
    first, second = JobContext(), JobContext()

    pull(first, make_client())
    pull(second, make_client())

    orders = list(Order.select().order_by(Order.id))
    assert [(o.external_ref, o.channel, o.status) for o in orders] == [
        ("MP-1", "marketplace", "confirmed"), ("MP-2", "marketplace", "confirmed")]
    assert orders[0].total == Decimal("99.98") and orders[0].ship_name == "Erika Mustermann"
    payment = Payment.get(Payment.order == orders[0])
    assert (payment.provider, payment.status, payment.provider_reference, payment.amount) == (
        "marketplace", "authorized", "MP-1", Decimal("99.98"))
    assert (first.rows_read, first.rows_changed, first.errors) == (2, 2, [])
    assert (second.rows_read, second.rows_changed, second.errors) == (2, 0, [])
    assert asked(httpserver) == [{"page": "1"}, {"page": "2"},
                                 {"page": "1", "since": "2026-03-01T10:05:00Z"},
                                 {"page": "2", "since": "2026-03-01T10:05:00Z"}]


def test_a_bad_order_is_reported_by_id_and_the_others_go_through(ctx, shelf, httpserver,
                                                                 make_client):
    serve_pages(httpserver, [
        mp_order("MP-1", ("SNK-1", 1)),
        mp_order("MP-2", ("NOPE-9", 1), created_at="2026-03-01T10:01:00Z"),
        mp_order("MP-3", ("SNK-2", 99), created_at="2026-03-01T10:02:00Z"),
        {"id": "MP-4", "created_at": "yesterday", "lines": "SNK-1"},
        mp_order("MP-5", ("SNK-3", 1), created_at="2026-03-01T10:04:00Z")])
    job = JobContext()

    pull(job, make_client())

    assert sorted(Order.select(Order.external_ref).tuples()) == [("MP-1",), ("MP-5",)]
    messages = [error["message"] for error in job.errors]
    assert [message.split(":")[0] for message in messages] == ["MP-2", "MP-3", "MP-4"]
    assert "lines.0.sku" in messages[0] and "Not enough stock" in messages[1]
    assert "created_at" in messages[2] and "buyer" in messages[2] and "lines" in messages[2]
    # The next pull asks again from the oldest order that failed.
    assert sync_state().pulled_since.isoformat() == "2026-03-01T10:01:00"


def test_an_order_at_another_price_is_refused(ctx, shelf, httpserver, make_client):
    order = mp_order("MP-1", ("SNK-1", 1))
    order["lines"][0]["unit_price"] = "10.00"
    serve_pages(httpserver, [order])
    job = JobContext()

    pull(job, make_client())

    assert Order.select().count() == 0 and "lines.0.unit_price" in job.errors[0]["message"]


def test_two_pulls_at_once_place_each_order_once(app, shelf, httpserver, make_client):
    orders = [mp_order(f"MP-{n}", ("SNK-3", 1)) for n in range(1, 4)]
    serve_pages(httpserver, orders)
    client_settings = {"timeout": 10.0}

    def work(_i):
        job = JobContext()
        with make_client(**client_settings) as client:
            pull(job, client)
        return job

    results = run_in_threads(app, work, 6)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert all(job.errors == [] for job in results)
    assert sum(job.rows_changed for job in results) == 3
    with app.app_context():
        assert sorted(Order.select(Order.external_ref).tuples()) == [
            ("MP-1",), ("MP-2",), ("MP-3",)]
        assert Payment.select().count() == 3


def test_a_refund_tells_staff_to_refund_on_the_marketplace(ctx, shelf, httpserver,
                                                          make_client):
    serve_pages(httpserver, [mp_order("MP-7", ("SNK-1", 1))])
    pull(JobContext(), make_client())
    payment = Payment.get()

    refund = refund_payment(payment, Decimal("49.99"), "withdrawn", None, "mp-refund-1")

    assert refund.status == "succeeded"
    assert "on the marketplace" in refund.note and "MP-7" in refund.note
