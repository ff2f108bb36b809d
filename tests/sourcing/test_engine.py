"""The sourcing engine: conditions, pools, fewest splits, ordering, limits, the explain
trace, and that placed orders follow the published rules."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from portal.inventory import services as stock
from portal.orders.models import Reservation
from portal.orders.services import place_order
from portal.sourcing.engine import Engine, OrderFacts
from portal.sourcing.models import SourcingDecision
from portal.sourcing.rules import RuleInvalid, rule_from_dict
from portal.sourcing.services import new_draft, publish, publish_new_version, save_rule
from portal.suppliers.services import create_supplier
from tests.conftest import make_store
from tests.inventory.conftest import make_product
from tests.orders.test_place_order import web_order


@pytest.fixture
def pool(stores):
    """BER (Berlin) and HAM stores, WH warehouse (Kassel), a Dutch supplier warehouse."""
    for code, postcode in (("BER", "10178"), ("HAM", "20095"), ("WH", "34123")):
        stores[code].postcode = postcode
        stores[code].save()
    supplier = make_store("SUP", "Venlo Supplier", 51.37, 6.17, kind="supplier",
                          country="NL", postcode="5928")
    shoe = make_product("SNK-1", tags="high-demand")
    cap = make_product("CAP-1", category="Accessories")
    for code, shoes, caps in (("BER", 2, 1), ("HAM", 5, 0), ("WH", 50, 0)):
        stock.receive_stock(shoe, stores[code], shoes)
        if caps:
            stock.receive_stock(cap, stores[code], caps)
    stock.receive_stock(shoe, supplier, 100)
    stock.receive_stock(cap, supplier, 100)
    return {**stores, "SUP": supplier, "shoe": shoe, "cap": cap}


def facts(pool, *lines, **fields) -> OrderFacts:
    defaults = dict(channel="web", delivery_method="home", country="DE", postcode="10117",
                    value=Decimal("100"), wanted={pool[p].id: n for p, n in lines})
    return OrderFacts(**{**defaults, **fields})


def rule(**data):
    return rule_from_dict({"name": data.pop("name", "Rule"), **data})


def codes(result, pool):
    by_id = {pool[c].id: c for c in ("BER", "HAM", "WH", "SUP")}
    return sorted({by_id[a.location_id] for a in result.plan})


def test_one_location_with_everything_beats_a_nearer_split(ctx, pool):
    result = Engine(facts(pool, ("shoe", 3))).run(
        [rule(ordering=["distance"], limits={"max_fulfilments": 3, "allow_partial": True})])

    # BER (nearest to 10117) has only 2: HAM has all 5 and beats a BER+X split.
    assert codes(result, pool) == ["HAM"]
    chosen = result.trace[-1]
    assert chosen["outcome"] == "chosen" and chosen["score"]["fulfilments"] == 1


def test_split_when_no_single_location_can_and_the_rule_allows_it(ctx, pool):
    bag = make_product("BAG-1")
    stock.receive_stock(bag, pool["BER"], 1)
    stock.adjust_stock(pool["cap"], pool["BER"], -1, reason="damage")
    stock.receive_stock(pool["cap"], pool["HAM"], 1)
    wanted = facts(pool, ("cap", 1), wanted={bag.id: 1, pool["cap"].id: 1})
    strict = rule(name="One parcel", pool={"kinds": ["store"]})
    loose = rule(name="Two parcels", pool={"kinds": ["store"]},
                 limits={"max_fulfilments": 2})

    result = Engine(wanted).run([strict, loose])

    assert result.rule_name == "Two parcels" and codes(result, pool) == ["BER", "HAM"]
    assert result.trace[0]["outcome"] == "no_plan"
    assert result.trace[0]["reason"] == {"code": "cannot_cover", "max": 1}
    assert result.trace[1]["score"]["fulfilments"] == 2


def test_conditions_route_click_and_collect_and_high_demand(ctx, pool):
    rules = [rule(name="C&C", condition={"delivery_methods": ["click_collect"]},
                  pool={"kinds": ["store"], "radius_km": 0}),
             rule(name="High demand", condition={"tags": ["high-demand"]},
                  pool={"kinds": ["warehouse"]}),
             rule(name="Rest")]

    collect = Engine(facts(pool, ("shoe", 1), delivery_method="click_collect",
                           origin=pool["HAM"])).run(rules)
    home = Engine(facts(pool, ("shoe", 1), tags={"high-demand"})).run(rules)
    plain = Engine(facts(pool, ("cap", 1))).run(rules)

    assert (collect.rule_name, codes(collect, pool)) == ("C&C", ["HAM"])
    assert (home.rule_name, codes(home, pool)) == ("High demand", ["WH"])
    assert (plain.rule_name, codes(plain, pool)) == ("Rest", ["BER"])
    assert home.trace[0] == {"rule": "C&C", "outcome": "skipped", "reason": {
        "code": "condition", "part": "delivery_method", "expected": "click_collect"}}


def test_radius_capacity_and_exclusion_are_explained(ctx, pool):
    # The destination 10117 is placed at the store sharing most postcode digits (BER):
    # HAM is 255 km away, WH (Kassel) about 320 km.
    pool["HAM"].daily_capacity = 0
    pool["HAM"].save()
    result = Engine(facts(pool, ("shoe", 1), exclude=frozenset({pool["BER"].id}))).run(
        [rule(pool={"kinds": ["store", "warehouse"], "radius_km": 280})])

    reasons = {loc["code"]: loc["reason"] for loc in result.trace[0]["locations"]}
    assert reasons == {"BER": "excluded", "HAM": "over_capacity", "WH": "too_far"}
    assert result.plan is None and result.trace[0]["reason"]["code"] == "empty_pool"


def test_international_orders_go_to_a_supplier_that_serves_the_country(ctx, pool, users):
    create_supplier({"code": "VENLO", "name": "Venlo BV", "countries": "NL BE",
                     "dropship": True, "lead_time_days": "3", "location": "SUP"},
                    users["admin"])
    rules = [rule(name="Abroad", condition={"exclude_countries": ["DE"]},
                  pool={"suppliers_serving_country": True}, limits={"allow_dropship": True}),
             rule(name="Home market", pool={"kinds": ["store", "warehouse"]})]

    dutch = Engine(facts(pool, ("shoe", 1), country="NL", postcode="1012")).run(rules)
    french = Engine(facts(pool, ("shoe", 1), country="FR", postcode="75001")).run(rules)

    assert (dutch.rule_name, codes(dutch, pool)) == ("Abroad", ["SUP"])
    assert french.rule_name == "Home market"
    assert french.trace[0]["locations"] == [] or all(
        not loc["kept"] for loc in french.trace[0]["locations"])


def test_a_supplier_needs_drop_ship_allowed(ctx, pool):
    result = Engine(facts(pool, ("cap", 5))).run([rule(pool={"kinds": ["supplier"]})])

    assert result.plan is None
    assert result.trace[0]["locations"][0]["reason"] == "dropship_not_allowed"


def test_ordering_by_priority_and_cost(ctx, pool):
    pool["WH"].priority, pool["HAM"].priority = 1, 50
    pool["WH"].shipment_cost, pool["HAM"].shipment_cost = Decimal("9.00"), Decimal("4.50")
    for code in ("WH", "HAM"):
        pool[code].save()
    wanted = facts(pool, ("shoe", 3))

    by_priority = Engine(wanted).run([rule(pool={"kinds": ["store", "warehouse"]},
                                           ordering=["priority"])])
    by_cost = Engine(wanted).run([rule(pool={"kinds": ["store", "warehouse"]},
                                       ordering=["cost"])])

    assert codes(by_priority, pool) == ["WH"] and codes(by_cost, pool) == ["HAM"]


def test_bad_rules_are_refused_field_by_field():
    with pytest.raises(RuleInvalid) as error:
        rule_from_dict({"name": "", "condition": {"countries": "Germany",
                                                  "min_value": "50", "max_value": "10"},
                        "pool": {"kinds": ["moon"], "radius_km": "-3"},
                        "ordering": ["luck"], "limits": {"max_fulfilments": "9"}})

    assert set(error.value.fields) == {"name", "condition.countries", "condition.max_value",
                                       "pool.kinds", "pool.radius_km", "ordering",
                                       "limits.max_fulfilments"}


def test_placed_orders_follow_the_published_rules_and_keep_the_trace(ctx, pool, users):
    draft = new_draft(users["manager"])
    save_rule(draft, 0, {"name": "Warehouse first", "pool": {"kinds": ["warehouse"]}},
              users["manager"])
    publish(draft, users["manager"])

    order = place_order(web_order(("SNK-1", 1)))

    assert Reservation.get().location_id == pool["WH"].id
    decision = SourcingDecision.get(SourcingDecision.order == order)
    assert (decision.version, decision.rule_name) == (draft.version, "Warehouse first")
    assert json.loads(decision.plan) == [{"location": "WH", "product_id": pool["shoe"].id,
                                          "quantity": 1}]
    assert decision.trace_entries[0]["outcome"] == "chosen"


def test_a_customer_group_condition_routes_b2b_orders(ctx, pool, users):
    publish_new_version([{"name": "B2B from the warehouse",
                          "condition": {"customer_groups": ["b2b"]},
                          "pool": {"kinds": ["warehouse"]}},
                         {"name": "Everyone else", "pool": {"kinds": ["store"]}}],
                        users["manager"])

    business = place_order(web_order(("SNK-1", 1), customer_group="B2B"))
    consumer = place_order(web_order(("SNK-1", 1)))

    assert business.customer_group == "b2b"
    assert [SourcingDecision.get(SourcingDecision.order == o).rule_name
            for o in (business, consumer)] == ["B2B from the warehouse", "Everyone else"]
    with pytest.raises(RuleInvalid) as error:
        rule_from_dict({"name": "x", "condition": {"customer_groups": "b2b, VIP!"}})
    assert "condition.customer_groups" in error.value.fields
