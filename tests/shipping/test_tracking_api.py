"""The carriers' webhook (scope shipments:write), the public tracking JSON (no key, the
token is the secret) and shipments in the order and WMS APIs."""

from __future__ import annotations

import pytest

from portal.auth.services import create_api_key
from portal.db import db
from portal.notifications.models import OutboxMessage
from portal.orders.models import Order
from portal.shipping.models import Shipment, ShipmentEvent
from tests.bench.sqlcount import count_sql
from tests.fulfilment.conftest import paid_order, shelf  # noqa: F401 - fixture
from tests.shipping.shipped import current, make_locker, ship, shipped_order


@pytest.fixture(autouse=True)
def _parcel_urls(app, monkeypatch):
    """The house carrier's URLs lead to /track/parcel/ (config.py's default)."""
    monkeypatch.setitem(app.config, "HOUSE_CARRIER_TRACKING_URL",
                        "{public_url}/track/parcel/{tracking_number}")


@pytest.fixture
def carrier(ctx):
    _key, plain = create_api_key("Carrier", ["shipments:write"])
    return {"Authorization": f"Bearer {plain}"}


def events_url(shipment) -> str:
    return f"/api/v1/shipments/{shipment.tracking_number}/events"


def state(order, shipment) -> tuple:
    """What a refused report must leave as it was."""
    return (current(order).status, current(shipment).status, ShipmentEvent.select().count(),
            OutboxMessage.select().count())


def test_a_carrier_reports_in_transit_then_delivered(client, carrier, shelf, users):  # noqa: F811
    order, (shipment,) = shipped_order(users["logistics"])

    moving = client.post(events_url(shipment), headers=carrier, json={
        "event_id": "c-1", "status": "in_transit", "at": "2026-03-02T08:15:00+01:00",
        "place": "Hub Kassel"})
    arrived = client.post(events_url(shipment), headers={**carrier, "Idempotency-Key": "c-2"},
                          json={"status": "delivered", "note": "left at the door"})

    assert moving.status_code == 200, moving.json
    assert moving.json["event"] == {"id": "c-1", "status": "in_transit",
                                    "at": "2026-03-02T07:15:00Z", "place": "Hub Kassel",
                                    "note": ""}
    assert moving.json["moved"] is True and moving.json["duplicate"] is False
    assert moving.json["shipment"]["status"] == "in_transit"
    assert arrived.status_code == 200 and arrived.json["event"]["id"] == "c-2"
    assert arrived.json["shipment"]["status"] == "delivered"
    assert current(order).status == "delivered"
    event = ShipmentEvent.get(ShipmentEvent.event_id == "c-1")
    assert event.source.startswith("api:") and event.actor == "Carrier"


def test_a_replay_answers_the_same_and_another_body_is_422(client, carrier, shelf,  # noqa: F811
                                                           users):
    order, (shipment,) = shipped_order(users["logistics"])
    body = {"event_id": "c-1", "status": "delivered", "place": "Berlin",
            "at": "2026-03-02T08:15:00.250000+01:00"}
    first = client.post(events_url(shipment), headers=carrier, json=body)
    before = state(order, shipment)

    again = client.post(events_url(shipment), headers=carrier, json=body)
    other = client.post(events_url(shipment), headers=carrier,
                        json={**body, "status": "in_transit"})
    later = client.post(events_url(shipment), headers=carrier,
                        json={**body, "at": "2026-03-02T08:16:00+01:00"})

    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert {k: again.json[k] for k in ("event", "moved", "shipment")} == {
        k: first.json[k] for k in ("event", "moved", "shipment")}
    assert again.json["moved"] is True and again.json["duplicate"] is True
    assert other.status_code == 422 and other.json["error"]["code"] == "event_id_reused"
    assert later.status_code == 422 and first.json["event"]["at"] == "2026-03-02T07:15:00.250000Z"
    assert state(order, shipment) == before
    assert OutboxMessage.select().where(OutboxMessage.kind == "shipment_delivered").count() == 1


def test_a_backwards_status_is_recorded_but_moves_nothing(client, carrier, shelf,  # noqa: F811
                                                          users):
    order, (shipment,) = shipped_order(users["logistics"])
    client.post(events_url(shipment), headers=carrier,
                json={"event_id": "c-1", "status": "delivered"})

    late = client.post(events_url(shipment), headers=carrier,
                       json={"event_id": "c-2", "status": "in_transit", "place": "Hub"})

    assert late.status_code == 200 and late.json["moved"] is False
    assert late.json["shipment"]["status"] == "delivered"
    assert ShipmentEvent.select().where(ShipmentEvent.event_id == "c-2").exists()
    assert current(order).status == "delivered"


@pytest.mark.parametrize(("body", "fields"), [
    ({"status": "delivered"}, {"event_id"}),
    ({"event_id": "e", "status": "lost"}, {"status"}),
    ({"event_id": "e", "status": "created"}, {"status"}),
    ({"event_id": "e" * 101, "status": "delivered", "at": "yesterday"}, {"event_id", "at"}),
    ({"event_id": "e", "status": "delivered", "at": "2999-01-01T00:00:00Z"}, {"at"}),
    ({"event_id": "e", "status": "delivered", "at": 1700000000}, {"at"}),
    ({"event_id": "e", "status": "delivered", "place": "x" * 121, "note": ["x"]},
     {"place", "note"}),
    ([], {"body"}),
])
def test_bad_input_is_422_per_field_and_changes_nothing(client, carrier, shelf, users,  # noqa: F811
                                                        body, fields):
    order, (shipment,) = shipped_order(users["logistics"])
    before = state(order, shipment)

    answer = client.post(events_url(shipment), headers=carrier, json=body)

    assert answer.status_code == 422
    assert answer.json["error"]["code"] == "invalid"
    assert set(answer.json["error"]["fields"]) == fields
    assert state(order, shipment) == before


def test_unknown_numbers_are_404_and_the_scope_is_required(client, carrier, shelf,  # noqa: F811
                                                           users):
    _order, (shipment,) = shipped_order(users["logistics"])
    _k, wms = create_api_key("WMS", ["fulfillments:read", "fulfillments:write",
                                     "orders:read"])
    body = {"event_id": "c-1", "status": "delivered"}

    missing = client.post("/api/v1/shipments/HC999999999DE/events", headers=carrier, json=body)
    refused = client.post(events_url(shipment), json=body,
                          headers={"Authorization": f"Bearer {wms}"})

    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    assert refused.status_code == 403 and "shipments:write" in refused.json["error"]["message"]
    assert client.post(events_url(shipment), json=body).status_code == 401
    assert current(shipment).status == "handed_over"


def test_the_tracking_json_needs_no_key_and_shows_no_secrets(client, shelf, users):  # noqa: F811
    make_locker()
    order, (shipment,) = shipped_order(users["logistics"], delivery_method="locker",
                                       locker_id="PS-4711")

    answer = client.get(f"/api/v1/tracking/{order.tracking_token}")

    assert answer.status_code == 200
    data = answer.json
    assert (data["order_number"], data["status"]) == (order.number, "shipped")
    assert data["delivery"]["method"] == "locker"
    assert data["delivery"]["locker"] == {"id": "PS-4711", "name": "Packstation 4711",
                                          "street": "Alexanderplatz 1", "postcode": "10178",
                                          "city": "Berlin", "country": "DE"}
    (item,) = data["shipments"]
    assert item["tracking_number"] == shipment.tracking_number and item["parcels"] == 1
    assert (item["carrier"], item["status"]) == ("house", "handed_over")
    assert item["tracking_url"].endswith(f"/track/parcel/{shipment.tracking_number}")
    assert [e["status"] for e in item["events"]] == ["handed_over", "created"]
    assert set(item["events"][0]) == {"status", "at", "place"}
    text = answer.get_data(as_text=True)
    for secret in (shipment.locker_pin, "logistics@test.example", "Erika", "Unter den Linden"):
        assert secret not in text


def test_unknown_and_malformed_tokens_answer_the_same_404(client, shelf, users):  # noqa: F811
    order = paid_order(("CAP-1", 1))
    token = order.tracking_token
    near = token[:-1] + ("A" if token[-1] != "A" else "B")
    answers = [client.get(f"/api/v1/tracking/{t}") for t in
               (near, "x", "a" * 500, "%27%20OR%201=1--")]

    assert {a.status_code for a in answers} == {404}
    assert {a.get_data(as_text=True) for a in answers} == {answers[0].get_data(as_text=True)}
    assert answers[0].json["error"]["code"] == "not_found"


def test_order_and_wms_json_list_the_shipments(client, shelf, users):  # noqa: F811
    order, shipments = shipped_order(users["logistics"], ("SNK-1", 1), ("CAP-1", 1),
                                     sources={"SNK-1": "BER", "CAP-1": "WH"})
    _k, plain = create_api_key("Shop+WMS", ["orders:read", "fulfillments:read"])
    key = {"Authorization": f"Bearer {plain}"}

    got = client.get(f"/api/v1/orders/{order.number}", headers=key).json
    listed = client.get("/api/v1/fulfillments?location=WH", headers=key).json

    assert [s["tracking_number"] for s in got["shipments"]] == [s.tracking_number
                                                                 for s in shipments]
    first = got["shipments"][0]
    assert first == {**first, "carrier": "house", "status": "handed_over",
                     "destination": "home", "service": "STD"}
    (parcel,) = first["parcels"]
    assert parcel["parcel_no"] == 1 and len(parcel["sscc"]) == 18
    assert float(parcel["weight_kg"]) > 0
    assert first["tracking_url"].endswith(f"/track/parcel/{shipments[0].tracking_number}")
    (item,) = listed["items"]
    assert [s["tracking_number"] for s in item["shipments"]] == [shipments[1].tracking_number]


def test_shipments_cost_one_query_per_answer_however_many(client, shelf, users):  # noqa: F811
    for _ in range(3):
        paid_order(("CAP-1", 1))
    _k, plain = create_api_key("WMS", ["fulfillments:read"])
    key = {"Authorization": f"Bearer {plain}"}
    url = "/api/v1/fulfillments?location=WH"

    def shipment_queries() -> int:
        with count_sql(db.obj) as count:
            assert client.get(url, headers=key).status_code == 200
        return sum('FROM "shipment"' in sql for sql in count.log)

    none = shipment_queries()
    for order in Order.select():
        ship(order, users["logistics"])
    assert Shipment.select().count() == 3
    assert none == shipment_queries() == 1


def test_the_admin_can_grant_the_new_scope(as_role):
    page = as_role("admin").get("/admin/api-keys").get_data(as_text=True)
    assert 'value="shipments:write"' in page
