"""The demo marketplace under /demo: absent without DEMO; with it, it takes pushes,
sells what it was told is available, and the connector's jobs go end to end."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from config import TestConfig
from portal import create_app
from portal.db import db
from portal.jobs.context import JobContext
from portal.marketplace.client import MarketplaceClient
from portal.marketplace.pull import pull
from portal.marketplace.push import push
from portal.marketplace.simulator import SIMULATOR
from portal.orders.models import Order
from tests.conftest import IsolatedClient, csrf_token_from, login
from tests.marketplace.conftest import TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def demo_app(app):
    """The portal in DEMO mode on the same database (the proxy is pointed back after)."""
    original = db.obj
    demo = create_app(TestConfig, DATABASE_URL=app.config["DATABASE_URL"], DEMO=True,
                      MARKETPLACE_TOKEN=TOKEN, DEMO_MARKETPLACE_SALE_SECONDS=0)
    demo.test_client_class = IsolatedClient
    yield demo
    if hasattr(db.obj, "close_all"):
        db.obj.close_all()
    db.initialize(original)


@pytest.fixture(autouse=True)
def _fresh_simulator():
    SIMULATOR.reset()
    yield
    SIMULATOR.reset()


@pytest.fixture
def demo(demo_app, ctx):
    return demo_app.test_client()


def test_without_demo_mode_there_is_no_simulator(client):
    assert client.get("/demo/marketplace/").status_code == 404
    assert client.get("/demo/marketplace/orders").status_code == 404
    assert client.post("/demo/marketplace/availability", json={"items": []}).status_code == 404


def test_it_takes_pushes_and_sells_only_what_is_available(demo):
    assert demo.post("/demo/marketplace/availability", json={"items": []}).status_code == 401
    bad = demo.post("/demo/marketplace/availability", headers=AUTH,
                    json={"items": [{"sku": "A", "available": -1}]})
    assert bad.status_code == 400
    sent = demo.post("/demo/marketplace/availability", headers=AUTH, json={"items": [
        {"sku": "SNK-1", "available": 0}, {"sku": "SNK-2", "available": 1}]})
    assert sent.get_json() == {"accepted": 2}

    first = demo.get("/demo/marketplace/orders?page=1", headers=AUTH).get_json()
    second = demo.get("/demo/marketplace/orders?page=1", headers=AUTH).get_json()

    assert [(o["id"], o["lines"]) for o in first["orders"]] == [
        ("MP-1", [{"sku": "SNK-2", "quantity": 1}])]
    assert second == first  # SNK-2 is sold out now, SNK-1 never was on offer
    later = demo.get("/demo/marketplace/orders?page=1&since=2999-01-01T00:00:00Z",
                     headers=AUTH).get_json()
    assert later == {"orders": [], "next_page": None}


def test_its_page_needs_a_login_and_shows_what_it_received(demo, users):
    assert demo.get("/demo/marketplace/").status_code == 302
    SIMULATOR.receive([{"sku": "SNK-9", "available": 4}], datetime(2026, 3, 1, 10, 0))
    login(demo, users["manager"])

    page = demo.get("/demo/marketplace/").get_data(as_text=True)
    assert "SNK-9" in page and "Sell one now" in page
    sold = demo.post("/demo/marketplace/sell", data={"csrf_token": csrf_token_from(page)},
                     follow_redirects=True).get_data(as_text=True)
    assert "MP-1" in sold and "not pulled yet" in sold


def test_push_and_pull_work_end_to_end_against_the_simulator(demo_app, demo, shelf, users):
    def client() -> MarketplaceClient:
        return MarketplaceClient("http://portal.test/demo/marketplace", TOKEN,
                                 transport=httpx.WSGITransport(app=demo_app), backoff=0)

    push(JobContext(), client())
    job = JobContext()
    pull(job, client())

    order = Order.get(Order.external_ref == "MP-1")
    assert (order.channel, order.status, job.rows_changed) == ("marketplace", "confirmed", 1)
    assert [line.product.sku for line in order.lines] == ["SNK-1"]
    login(demo, users["manager"])
    page = demo.get("/demo/marketplace/").get_data(as_text=True)
    assert order.number in page
