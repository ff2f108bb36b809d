"""The engine's shortcuts answer exactly what the plain definitions answer: the postcode
index and ``destination_point``, ``StockSnapshot`` and ``sellable_units``, an Engine given
pre-loaded stock and capacity use and one that reads them, the first covering location
set and ``combinations`` + ``_covers``."""

from __future__ import annotations

import random
from decimal import Decimal
from itertools import combinations

import pytest

from portal.inventory import services as stock
from portal.inventory.buffers import set_channel_buffer
from portal.locations.directory import LocationInfo, location_directory
from portal.orders.allocation import StockSnapshot, sellable_units
from portal.sourcing.engine import Engine, OrderFacts
from portal.sourcing.places import DirectoryView, Place, capacity_used_today, destination_point
from portal.sourcing.plans import _covers, _first_alone, _first_covering
from portal.sourcing.rules import rule_from_dict
from tests.conftest import make_store
from tests.inventory.conftest import make_product

POSTCODES = ["10178", "10115", "20095", "20000", "34123", "3", "", "99999", "1017", "5928",
             "59280"]


@pytest.fixture
def network(stores):
    """Five stores and a warehouse sharing postcode prefixes, a Dutch supplier, three
    products with uneven stock and channel buffers."""
    for code, postcode in (("BER", "10178"), ("HAM", "20095"), ("WH", "34123")):
        stores[code].postcode = postcode
        stores[code].daily_capacity = 50
        stores[code].save()
    more = [make_store("BE2", "Berlin Ost", 52.51, 13.45, postcode="10115", daily_capacity=1),
            make_store("BE3", "Berlin Süd", 52.45, 13.38, postcode="10178"),
            make_store("HH2", "Hamburg Nord", 53.60, 10.02, postcode="20099"),
            make_store("SUP", "Venlo", 51.37, 6.17, kind="supplier", country="NL",
                       postcode="5928")]
    places = {**stores, **{loc.code: loc for loc in more}}
    products = [make_product(f"P-{n}") for n in range(3)]
    rng = random.Random(5)
    for location in places.values():
        for product in products:
            if rng.random() < 0.8:
                stock.receive_stock(product, location, rng.randint(1, 6))
    set_channel_buffer("web", None, 1)
    set_channel_buffer("web", places["WH"], 3)
    set_channel_buffer("marketplace", places["HAM"], 2)
    return {"places": places, "products": products}


def test_the_postcode_index_finds_the_same_destination(ctx, network):
    view = DirectoryView(location_directory())
    for country in ("DE", "NL", "AT"):
        for postcode in POSTCODES:
            facts = OrderFacts("web", "home", country, postcode, Decimal(1), {})
            assert view.destination(facts) == destination_point(facts, view.active), postcode
    facts = OrderFacts("web", "click_collect", "DE", "", Decimal(1), {},
                       origin=network["places"]["HAM"])
    assert view.destination(facts) == (53.55, 10.00)


@pytest.mark.parametrize("channel", ["web", "marketplace", "store", "order_in_store"])
def test_a_stock_snapshot_answers_as_sellable_units(ctx, network, channel):
    ids = [p.id for p in network["products"]]
    snapshot = StockSnapshot(ids)

    for subset in (ids, ids[:1], ids[1:]):
        assert snapshot.sellable_units(subset, channel) == sellable_units(subset, channel)


def test_an_engine_given_stock_and_capacity_use_plans_as_one_that_reads_them(ctx, network):
    ids = [p.id for p in network["products"]]
    snapshot, used = StockSnapshot(ids), capacity_used_today()
    rules = [rule_from_dict(r) for r in (
        {"name": "Whole, stock first", "pool": {"kinds": ["store"], "radius_km": 400},
         "ordering": ["stock", "distance"], "limits": {"max_fulfilments": 2}},
        {"name": "Split lines", "pool": {"kinds": ["store", "warehouse"]},
         "ordering": ["capacity", "cost", "distance"],
         "limits": {"max_fulfilments": 3, "allow_partial": True}},
        {"name": "Suppliers", "pool": {"suppliers_serving_country": True},
         "limits": {"allow_dropship": True}})]
    rng = random.Random(8)
    for _ in range(40):
        wanted = {p: rng.randint(1, 7) for p in rng.sample(ids, rng.randint(1, 3))}
        facts = OrderFacts("web", "home", "DE", rng.choice(POSTCODES), Decimal(50), wanted)
        extra = {(network["places"]["HAM"].id, ids[0]): 2} if rng.random() < 0.5 else None
        plain = Engine(facts, suppliers={}, extra=extra).run(rules)
        given = Engine(facts, suppliers={}, extra=extra, used=used,
                       stock=snapshot.sellable_units(list(wanted), "web")).run(rules)
        assert (given.plan, given.trace, given.rule_name) == \
            (plain.plan, plain.trace, plain.rule_name)


def _places(rng, products, count) -> list[Place]:
    places = []
    for n in range(count):
        units = {p: (rng.randint(0, 6), 0) for p in products if rng.random() < 0.7}
        info = LocationInfo(n, f"L{n:03d}", "store", "DE", "", 1, True, None, None)
        places.append(Place(info, units, None, None))
    return places


@pytest.mark.parametrize("partial", [False, True])
def test_the_first_covering_set_is_the_first_of_all_combinations(partial):
    rng = random.Random(1 + partial)
    products = [1, 2, 3, 4]
    for _ in range(300):
        wanted = {p: rng.randint(1, 6) for p in rng.sample(products, rng.randint(1, 4))}
        ranked = _places(rng, products, rng.randint(1, 12))
        for place in ranked:
            place.total = place.covered(wanted)
        plain = next((group for group in combinations(ranked, 1)
                      if _covers(group, wanted, partial)), None)
        assert _first_alone(ranked, wanted) == plain
        for size in range(2, 5):
            plain = next((group for group in combinations(ranked, size)
                          if _covers(group, wanted, partial)), None)
            assert _first_covering(ranked, wanted, size, partial) == plain
