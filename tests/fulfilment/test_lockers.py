"""GET /api/v1/lockers and locker orders: the web shop lists lockers to offer, an order
to an unknown or retired locker is refused, and a locker shipment names the locker."""

from __future__ import annotations

import pytest

from portal.auth.services import create_api_key
from portal.errors import DomainError
from portal.fulfilment.services import advance
from portal.orders.models import Order
from portal.orders.services import place_order
from portal.shipping.models import ParcelLocker, Shipment
from tests.fulfilment.conftest import fulfilments, paid_order
from tests.orders.test_place_order import web_order


@pytest.fixture
def lockers(ctx):
    ParcelLocker.create(code="PL-BER-01", name="Paketstation Alex", street="Alexanderplatz 9",
                        postcode="10178", city="Berlin")
    ParcelLocker.create(code="PL-BER-17", name="Paketstation Ostbahnhof",
                        street="Koppenstraße 3", postcode="10243", city="Berlin")
    ParcelLocker.create(code="PL-HAM-01", name="Paketstation Mö", street="Mönckebergstraße 16",
                        postcode="20095", city="Hamburg")
    ParcelLocker.create(code="PL-OLD", name="Retired", street="Weg 1", postcode="10115",
                        city="Berlin", active=False)


def headers(scopes=("availability:read",)):
    _key, plain = create_api_key("Web shop", list(scopes))
    return {"Authorization": f"Bearer {plain}"}


def test_the_shop_lists_active_lockers_by_postcode_or_city(client, lockers):
    auth = headers()
    by_postcode = client.get("/api/v1/lockers?postcode=102", headers=auth).json["items"]
    assert [item["code"] for item in by_postcode] == ["PL-BER-17"]
    by_city = client.get("/api/v1/lockers?city=berlin", headers=auth).json["items"]
    assert [item["code"] for item in by_city] == ["PL-BER-01", "PL-BER-17"]
    assert by_city[0] == {"code": "PL-BER-01", "name": "Paketstation Alex",
                          "street": "Alexanderplatz 9", "postcode": "10178",
                          "city": "Berlin", "country": "DE"}


def test_a_bad_locker_query_is_a_field_error(client, lockers):
    answer = client.get("/api/v1/lockers?postcode=%3Cx%3E&limit=0", headers=headers())
    assert answer.status_code == 400
    assert set(answer.json["error"]["fields"]) == {"postcode", "limit"}


def test_the_locker_list_needs_the_availability_scope(client, lockers):
    answer = client.get("/api/v1/lockers", headers=headers(("orders:write",)))
    assert answer.status_code == 403


def test_an_order_to_an_unknown_or_retired_locker_is_refused(ctx, stores, lockers):
    for code in ("PL-NOPE", "PL-OLD", ""):
        with pytest.raises(DomainError) as refused:
            place_order(web_order(("SNK-1", 1), delivery_method="locker", locker_id=code))
        assert "delivery.locker_id" in refused.value.fields
    assert Order.select().count() == 0


def test_a_locker_orders_shipment_goes_to_the_locker_with_a_pin(ctx, shelf, users, lockers):
    order = paid_order(("SNK-1", 1), delivery_method="locker", locker_id="PL-BER-17")
    (part,) = fulfilments(order)
    for step in ("accepted", "picking", "packed"):
        advance(part, step, users["employee"])

    shipment = Shipment.get(Shipment.fulfillment == part.id)
    assert (shipment.destination, shipment.locker_code) == ("locker", "PL-BER-17")
    assert len(shipment.locker_pin) == 6 and shipment.locker_pin.isdigit()
