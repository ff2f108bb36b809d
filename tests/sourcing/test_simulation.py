"""Simulating a draft on recent orders: exact figures on a small hand-made data set, the
differing orders with their traces, and proof that nothing is written."""

from __future__ import annotations

import pytest

from portal.audit.models import AuditEvent
from portal.inventory import services as stock
from portal.inventory.models import StockLevel, StockMovement
from portal.orders.models import Order, Reservation
from portal.orders.services import NewOrder, cancel_order, place_order
from portal.sourcing import services
from portal.sourcing.models import RuleSet, SourcingDecision, SourcingRule
from portal.sourcing.simulation import clamp_orders, recent_orders, simulate
from tests.inventory.conftest import make_product

STORES_ONLY = {"name": "Stores only, two parcels", "pool": {"kinds": ["store"]},
               "ordering": ["distance"], "limits": {"max_fulfilments": 2}}


def web_order(*lines) -> NewOrder:
    return NewOrder(channel="web", customer_name="Erika Mustermann", ship_name="Erika",
                    ship_street="Unter den Linden 1", ship_postcode="10117", ship_city="Berlin",
                    lines=[{"sku": sku, "quantity": n} for sku, n in lines])


@pytest.fixture
def sample(stores, users):
    """Berlin has A, Hamburg has B, the warehouse both; three live orders, one cancelled.

    Built-in rules (fewest locations, nearest first): A → BER, A+B → WH, 20 B → WH.
    Stores only, up to two parcels: A → BER, A+B → BER+HAM (split), 20 B → not sourceable.
    """
    for code, postcode in (("BER", "10178"), ("HAM", "20095"), ("WH", "34123")):
        stores[code].postcode = postcode
        stores[code].save()
    a, b = make_product("A-1"), make_product("B-1")
    stock.receive_stock(a, stores["BER"], 5)
    stock.receive_stock(b, stores["HAM"], 5)
    stock.receive_stock(a, stores["WH"], 10)
    stock.receive_stock(b, stores["WH"], 30)
    orders = [place_order(web_order(("A-1", 1))),
              place_order(web_order(("A-1", 1), ("B-1", 1))),
              place_order(web_order(("B-1", 20)))]
    cancel_order(place_order(web_order(("A-1", 2))))
    draft = services.new_draft(users["manager"], note="Stores only")
    for position in range(len(services.rules_of(draft)) - 1, -1, -1):
        services.delete_rule(draft, position, users["manager"])
    services.save_rule(draft, None, STORES_ONLY, users["manager"])
    return {"orders": orders, "draft": draft}


def test_the_sample_is_the_newest_orders_without_cancelled_ones(ctx, sample):
    newest_first = list(reversed(sample["orders"]))

    assert recent_orders(10) == newest_first
    assert recent_orders(2) == newest_first[:2]


def test_figures_side_by_side(ctx, sample):
    result = simulate(sample["draft"], 200)

    assert result.orders == 3 and result.published_version is None
    current, proposed = result.published, result.simulated
    assert (current.sourced, current.not_sourced, current.split) == (3, 0, 0)
    assert current.split_rate == 0
    assert (proposed.sourced, proposed.not_sourced, proposed.split) == (2, 1, 1)
    assert proposed.split_rate == 0.5
    assert dict(current.units) == {"store": 1, "warehouse": 22}
    assert dict(proposed.units) == {"store": 3}
    assert proposed.share("store") == 1 and proposed.share("warehouse") == 0
    assert current.share("warehouse") == pytest.approx(22 / 23)
    assert sorted(current.distances)[0] == 0.0 and len(current.distances) == 3
    assert proposed.average_km == pytest.approx(sum(proposed.distances) / 2)


def test_differing_orders_carry_both_plans_and_traces(ctx, sample):
    result = simulate(sample["draft"], 200)

    by_number = {d.order.number: d for d in result.differences}
    split_order, big_order = sample["orders"][1], sample["orders"][2]
    assert result.differing == 2 and set(by_number) == {split_order.number, big_order.number}
    split = by_number[split_order.number]
    assert split.published_plan == [("WH", 2)]
    assert split.simulated_plan == [("BER", 1), ("HAM", 1)]
    assert by_number[big_order.number].simulated_plan == []
    last = by_number[big_order.number].simulated.trace[-1]
    assert last["outcome"] == "no_plan" and last["reason"] == {"code": "cannot_cover", "max": 2}


def test_each_order_gets_its_own_reservations_back(ctx, sample):
    # The warehouse holds 22 units of B for the two orders; without them back it would
    # have only 10 free: too few for the order of 20.
    assert StockLevel.get(StockLevel.product == sample["orders"][2].lines[0].product,
                          StockLevel.location == 3).reserved == 21

    result = simulate(sample["draft"], 200)

    assert result.published.not_sourced == 0


def test_a_simulation_writes_nothing(ctx, sample):
    tables = (RuleSet, SourcingRule, SourcingDecision, Reservation, StockMovement, AuditEvent,
              Order)
    counts = {model: model.select().count() for model in tables}
    levels = list(StockLevel.select().order_by(StockLevel.id).tuples())

    simulate(sample["draft"], 200)

    assert {model: model.select().count() for model in tables} == counts
    assert list(StockLevel.select().order_by(StockLevel.id).tuples()) == levels


@pytest.mark.parametrize("raw,n", [("5", 10), ("200", 200), ("99999", 2000), ("x", 200),
                                   (None, 200), ("-3", 10)])
def test_the_number_of_orders_is_kept_within_bounds(raw, n):
    assert clamp_orders(raw) == n


def test_the_simulation_page_shows_figures_and_traces(as_role, sample):
    client = as_role("manager")

    page = client.get("/sourcing/1/simulate?n=50").get_data(as_text=True)

    assert "Result on the last 3 orders" in page
    assert "Built-in rules (in use)" in page and "Version 1" in page
    assert "50.0%" in page  # the draft's split rate
    assert "2 orders are planned differently" in page
    assert sample["orders"][1].number in page and "cannot be sourced" in page
    assert "No 2 locations together have the whole order." in page
    assert 'name="n" value="50"' in page


def test_with_htmx_only_the_result_is_answered(as_role, sample):
    client = as_role("manager")

    response = client.get("/sourcing/1/simulate?n=10", headers={"HX-Request": "true"})

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in page
    assert "Result on the last 3 orders" in page
