"""GET /api/v1/availability: per SKU and location, respecting safety stock and buffers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.auth.services import create_api_key
from portal.inventory import services
from portal.inventory.models import ChannelBuffer
from tests.conftest import make_store
from tests.inventory.conftest import make_product


@pytest.fixture
def api(client, ctx):
    _key, plain = create_api_key("Web shop", ["availability:read"])

    def get(query: str, key: str = plain):
        return client.get(f"/api/v1/availability?{query}",
                          headers={"Authorization": f"Bearer {key}"})

    return get


@pytest.fixture
def pool(stores, product):
    services.receive_stock(product, stores["BER"], 10)
    services.set_safety_stock(product, stores["BER"], 2)
    services.reserve_stock(product, stores["BER"], 3, "OMS-1")
    services.receive_stock(product, stores["WH"], 100)
    services.receive_stock(product, stores["HAM"], 1)
    services.set_safety_stock(product, stores["HAM"], 1)  # nothing left to sell
    services.add_incoming(product, stores["HAM"], 12, date.today() + timedelta(days=4),
                          reference="TR-1")
    return product


def test_availability_per_location_respects_reserved_and_safety(api, pool):
    body = api("sku=SNK-1").json

    (sku,) = body["skus"]
    assert sku["sku"] == "SNK-1"
    assert sku["available"] == 5 + 100
    assert {loc["location"]: (loc["available"], loc["on_hand"], loc["reserved"])
            for loc in sku["locations"]} == {"BER": (5, 10, 3), "WH": (100, 100, 0)}
    assert sku["incoming"] == [{"location": "HAM", "quantity": 12, "late": False,
                                "expected_on": (date.today() + timedelta(days=4)).isoformat()}]
    assert body["unknown"] == []


def test_unknown_skus_are_listed_not_fatal(api, pool):
    body = api("sku=NOPE&sku=SNK-1&sku=ALSO-NOPE").json

    assert [s["sku"] for s in body["skus"]] == ["SNK-1"]
    assert body["unknown"] == ["NOPE", "ALSO-NOPE"]


def test_channel_buffer_holds_stock_back_from_the_web(api, pool, stores):
    ChannelBuffer.create(channel="web", location=None, quantity=1)
    ChannelBuffer.create(channel="web", location=stores["BER"], quantity=4)

    sku = api("sku=SNK-1").json["skus"][0]

    assert {loc["location"]: loc["available"] for loc in sku["locations"]} == {"BER": 1,
                                                                               "WH": 99}
    assert sku["available"] == 100
    store_sku = api("sku=SNK-1&channel=store").json["skus"][0]
    assert store_sku["available"] == 105  # the web buffer does not apply in the store


def test_location_and_country_filters(api, pool, stores, product):
    foreign = make_store("VIE", "Wien Mariahilf", 48.2, 16.35, country="AT")
    services.receive_stock(product, foreign, 4)

    assert [loc["location"] for loc in api("sku=SNK-1&location=WH").json["skus"][0][
        "locations"]] == ["WH"]
    assert [loc["location"] for loc in api("sku=SNK-1&country=AT").json["skus"][0][
        "locations"]] == ["VIE"]


def test_postcode_puts_nearby_locations_first(api, pool, stores):
    stores["BER"].postcode = "10178"
    stores["BER"].save()
    stores["WH"].postcode = "34123"
    stores["WH"].save()

    order = [loc["location"] for loc in api("sku=SNK-1&postcode=10115").json["skus"][0][
        "locations"]]

    assert order == ["BER", "WH"]


def test_marketplace_stock_is_only_for_the_marketplace(api, stores, product):
    market = make_store("MKT", "Marketplace", None, None, kind="marketplace")
    services.receive_stock(product, market, 9)

    assert api("sku=SNK-1").json["skus"][0]["available"] == 0
    assert api("sku=SNK-1&channel=marketplace").json["skus"][0]["available"] == 9


def test_limit_caps_the_locations_but_not_the_total(api, pool):
    sku = api("sku=SNK-1&limit=1").json["skus"][0]

    assert [loc["location"] for loc in sku["locations"]] == ["WH"]  # most stock first
    assert (sku["available"], sku["location_count"]) == (105, 2)


@pytest.mark.parametrize("query,field", [("", "sku"), ("sku=A&country=DEU", "country"),
                                         ("sku=A&limit=0", "limit"), ("sku=A&limit=x", "limit"),
                                         ("sku=A&limit=%C2%B2", "limit"),
                                         ("sku=A&location=NOPE", "location"),
                                         ("sku=A&channel=fax", "channel"),
                                         ("sku=A&postcode=%3Cscript%3E", "postcode")])
def test_bad_queries_are_400_with_field_errors(api, query, field):
    response = api(query)

    assert response.status_code == 400
    assert field in response.json["error"]["fields"]


def test_a_key_without_the_scope_is_403(api, ctx):
    _key, orders_only = create_api_key("Orders", ["orders:write"])

    response = api("sku=SNK-1", key=orders_only)

    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_twenty_skus_in_one_call(api, stores):
    for n in range(20):
        services.receive_stock(make_product(f"P-{n:02d}"), stores["WH"], n + 1)

    body = api("&".join(f"sku=P-{n:02d}" for n in range(20))).json

    assert [s["available"] for s in body["skus"]] == list(range(1, 21))


def test_late_deliveries_are_still_expected_and_flagged(api, pool, product, stores):
    services.add_incoming(product, stores["WH"], 7, date.today() - timedelta(days=3),
                          reference="PO-LATE")

    incoming = api("sku=SNK-1").json["skus"][0]["incoming"]

    assert [(i["location"], i["late"]) for i in incoming] == [("WH", True), ("HAM", False)]
