"""The managers' insights page: numbers from known rows, charts with table fallbacks."""

from __future__ import annotations

import json
import re
import secrets
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from portal.dashboard.insights import insights
from portal.db import utcnow
from portal.feeds.models import SupplierFeed
from portal.inventory.models import Product, StockLevel, StockMovement
from portal.orders.models import Order, OrderLine, Reservation
from portal.returns.models import ReturnEvent, ReturnLine, ReturnOrder
from portal.sourcing.models import SourcingDecision
from portal.suppliers.models import Supplier
from tests.conftest import make_store

NOW = utcnow().replace(microsecond=0) - timedelta(minutes=1)


def _order(channel, at, lines, km=None, status="confirmed"):
    """An order placed at ``at`` with ``lines`` = [(product, qty, {location: qty})]."""
    order = Order.create(tracking_token=secrets.token_urlsafe(32), channel=channel,
                         status=status, customer_name="Kim", delivery_method="home",
                         total=Decimal("10.00"), created_at=at)
    for no, (product, quantity, places) in enumerate(lines, start=1):
        line = OrderLine.create(order=order, line_no=no, product=product, quantity=quantity,
                                unit_price=Decimal("5.00"))
        for location, units in places.items():
            Reservation.create(line=line, location=location, quantity=units)
    trace = [{"rule": "nearest", "outcome": "no_plan"},
             {"rule": "any", "outcome": "planned", "score": {"distance_km": km}}]
    SourcingDecision.create(order=order, rule_name="any", trace=json.dumps(trace),
                            created_at=at)
    return order


@pytest.fixture
def data(stores):
    shoe = Product.create(sku="SNK-1", name="Runner", price=Decimal("5.00"))
    cap = Product.create(sku="CAP-1", name="Cap", price=Decimal("5.00"))
    ber, ham, wh = stores["BER"], stores["HAM"], stores["WH"]
    today, yesterday, before = NOW, NOW - timedelta(days=1), NOW - timedelta(days=3)
    _order("web", today, [(shoe, 2, {wh: 2})], km=100.0)
    _order("web", today, [(shoe, 1, {ber: 1}), (cap, 1, {ham: 1})], km=300.0)  # split
    _order("store", today, [(cap, 1, {ber: 1})], km=0.0)
    _order("web", yesterday, [(shoe, 1, {wh: 1})], km=200.0)
    _order("marketplace", before, [(cap, 3, {wh: 3})])  # no distance recorded
    _order("web", yesterday, [(shoe, 5, {wh: 5})], km=999.0, status="cancelled")
    _order("web", NOW - timedelta(days=40), [(shoe, 1, {wh: 1})], km=50.0)  # too old
    # a received return of 1 unit of the first web order, refunded 26 hours later
    first = Order.select().order_by(Order.id).first()
    rma = ReturnOrder.create(number="RMA-1", order=first, status="received",
                             drop_off="store", location=ber, received_at=yesterday)
    ReturnLine.create(return_order=rma, order_line=first.lines[0], quantity=1)
    ReturnEvent.create(return_order=rma, kind="refunded", at=yesterday + timedelta(hours=26))
    ReturnEvent.create(return_order=rma, kind="refunded", at=yesterday + timedelta(hours=50))
    # Berlin sold both articles lately and has none of the shoe left; Hamburg sold only caps
    StockLevel.create(product=shoe, location=ber, on_hand=0)
    StockLevel.create(product=cap, location=ber, on_hand=4)
    StockLevel.create(product=shoe, location=ham, on_hand=0)  # not sold there: not counted
    StockLevel.create(product=cap, location=ham, on_hand=2, reserved=2)
    for product, location in ((shoe, ber), (cap, ber), (cap, ham)):
        StockMovement.create(product=product, location=location, kind="sale", on_hand_delta=-1,
                             at=NOW - timedelta(days=2))
    supplier_place = make_store("SUP", "Supplier Venlo", 51.37, 6.17, kind="supplier")
    supplier = Supplier.create(code="VEN", name="Venlo Wholesale", location=supplier_place)
    SupplierFeed.create(supplier=supplier, location=supplier_place, name="Stock CSV",
                        url="https://example.com/s.csv", stale_after_hours=24,
                        last_success_at=NOW - timedelta(hours=30))
    return stores


def test_figures_from_known_rows(data):
    f = insights(30, now=NOW)

    assert len(f.rows) == 30 and f.rows[-1].day == NOW.date()
    assert f.channels == ["web", "store", "marketplace"]
    assert f.channel_totals == {"web": 3, "store": 1, "marketplace": 1}
    today = f.rows[-1]
    assert today.orders == {"web": 2, "store": 1}
    assert (today.sourced, today.split) == (3, 1)
    assert f.split_orders == 1 and f.sourced_orders == 5
    assert f.split_share == pytest.approx(0.2)
    assert today.distance_km == pytest.approx(133.3)       # (100 + 300 + 0) / 3
    assert f.distance_km == pytest.approx(150.0)           # (100 + 300 + 0 + 200) / 4
    assert f.sold_units == 2 + 2 + 1 + 1 + 3
    assert f.returned_units == 1
    assert f.return_rate == pytest.approx(1 / 9)
    assert (f.refund_hours, f.refunds_timed) == (26.0, 1)  # the first refund counts
    assert [(store.code, n) for store, n in f.stores_out] == [("BER", 1), ("HAM", 1)]
    assert f.stores_out_total == 2
    assert [(feed.name, feed.stale, feed.age_hours) for feed in f.feeds] == [
        ("Stock CSV", True, 30.0)]


def test_a_short_period_leaves_older_days_out(data):
    f = insights(7, now=NOW)
    assert len(f.rows) == 7
    assert f.orders == 5
    assert insights(1, now=NOW).orders == 3


def test_page_for_managers_with_charts_and_tables(as_role, data):
    client = as_role("manager")
    response = client.get("/dashboard/manager/insights?days=7")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Orders per day by channel" in page and "Feed freshness" in page
    assert 'aria-current="page">7 days<' in page
    for name in ("orders", "split", "distance", "stores_out", "returns", "feeds"):
        block = re.search(rf'<script type="application/json" id="chart-{name}">(.*?)</script>',
                          page, re.S)
        assert block, name
        json.loads(block.group(1))
    orders = json.loads(re.search(r'id="chart-orders">(.*?)</script>', page, re.S).group(1))
    assert [d["label"] for d in orders["datasets"]] == ["Web shop", "In-store sale",
                                                         "Marketplace"]
    assert orders["datasets"][0]["data"][-1] == 2
    assert page.count("<table") == 6 and page.count('<details class="chart-table" open>') == 6
    assert "Berlin Mitte" in page and "Venlo Wholesale" in page and "stale" in page
    assert "vendor/chartjs/chart.umd.min.js" in page
    assert " style=" not in page


def test_an_unknown_period_falls_back_to_thirty_days(as_role, data):
    page = as_role("admin").get("/dashboard/manager/insights?days=abc").get_data(as_text=True)
    assert 'aria-current="page">30 days<' in page


@pytest.mark.parametrize("role", ["employee", "logistics"])
def test_other_roles_are_refused(as_role, data, role):
    assert as_role(role).get("/dashboard/manager/insights").status_code == 403


def test_german(as_role, data, users):
    users["manager"].language = "de"
    users["manager"].save()
    page = as_role("manager").get("/dashboard/manager/insights").get_data(as_text=True)
    assert '<html lang="de">' in page
    assert "Web-Shop" in page or "Webshop" in page  # the channel label in German
    assert "11,1 %" in page  # returns rate with a German decimal comma


def test_manager_dashboard_links_the_insights(as_role, data):
    assert "/dashboard/manager/insights" in as_role("manager").get("/").get_data(as_text=True)


def test_chartjs_is_vendored_with_its_licence(app):
    import pathlib

    vendor = pathlib.Path(app.static_folder) / "vendor" / "chartjs"
    assert (vendor / "LICENSE").read_text().startswith("The MIT License")
    assert "4.6.1" in (vendor / "VERSION").read_text()
    assert "sourceMappingURL" not in (vendor / "chart.umd.min.js").read_text()


def test_old_orders_are_outside_every_period(data):
    assert insights(90, now=NOW).orders == 6
    assert insights(90, now=NOW + timedelta(days=200)).orders == 0
    assert isinstance(insights(30, now=NOW).since, datetime)
