"""The WMS API: pull work page by page, report steps idempotently, clear errors."""

from __future__ import annotations

import pytest

from portal.auth.services import create_api_key
from portal.fulfilment.models import FulfillmentEvent, FulfillmentOrder
from portal.inventory.models import StockMovement
from portal.orders.models import Order
from portal.shipping import gs1
from portal.shipping.models import Parcel, Shipment
from tests.fulfilment.conftest import fulfilments, level, paid_order


@pytest.fixture
def wms(ctx):
    _key, plain = create_api_key("WMS", ["fulfillments:read", "fulfillments:write"])
    return {"Authorization": f"Bearer {plain}"}


def test_keys_need_the_fulfilment_scopes(client, ctx, shelf):
    (fulfillment,) = fulfilments(paid_order(("SNK-1", 1)))
    _k, reader = create_api_key("Reader", ["fulfillments:read"])
    _k, orders = create_api_key("Shop", ["orders:read"])
    _k, legacy = create_api_key("Old WMS", ["fulfillments"])
    url = f"/api/v1/fulfillments/{fulfillment.id}"

    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": f"Bearer {orders}"}).status_code == 403
    assert client.get(url, headers={"Authorization": f"Bearer {reader}"}).status_code == 200
    refused = client.post(f"{url}/events", json={"event_id": "1", "type": "accepted"},
                          headers={"Authorization": f"Bearer {reader}"})
    assert refused.status_code == 403 and "fulfillments:write" in refused.json["error"]["message"]
    assert client.post(f"{url}/events", json={"event_id": "1", "type": "accepted"},
                       headers={"Authorization": f"Bearer {legacy}"}).status_code == 200


def test_the_wms_pulls_work_page_by_page(client, wms, shelf):
    orders = [paid_order(("CAP-1", 1)) for _ in range(3)]
    paid_order(("SNK-1", 1))  # BER's work, not WH's

    first = client.get("/api/v1/fulfillments?location=wh&status=assigned&per_page=2",
                       headers=wms)

    assert first.status_code == 200
    assert [item["order_number"] for item in first.json["items"]] == [o.number for o in
                                                                      orders[:2]]
    item = first.json["items"][0]
    assert item["location"] == "WH" and item["status"] == "assigned"
    assert item["lines"] == [{"sku": "CAP-1", "quantity": 1}]
    assert item["delivery_method"] == "home" and item["customer_city"] == "Berlin"
    assert item["number"] == f"{orders[0].number}-1" and item["created_at"].endswith("Z")
    second = client.get(first.json["next"], headers=wms)
    assert [i["order_number"] for i in second.json["items"]] == [orders[2].number]
    assert second.json["next"] is None
    accepted = client.get("/api/v1/fulfillments?location=WH&status=accepted", headers=wms)
    assert accepted.json["items"] == []


def test_bad_queries_are_422_and_unknown_ids_404(client, wms, shelf):
    bad = client.get("/api/v1/fulfillments?location=NOPE&status=lost&per_page=0",
                     headers=wms)
    assert bad.status_code == 422
    assert set(bad.json["error"]["fields"]) == {"location", "status", "per_page"}
    assert client.get("/api/v1/fulfillments/999999", headers=wms).status_code == 404
    missing = client.post("/api/v1/fulfillments/999999/events",
                          json={"event_id": "x", "type": "accepted"}, headers=wms)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"


def test_the_wms_reports_each_step_to_shipped(client, wms, shelf, stores):
    order = paid_order(("CAP-1", 2))
    (fulfillment,) = fulfilments(order)
    url = f"/api/v1/fulfillments/{fulfillment.id}/events"

    for number, step in enumerate(("accepted", "picked", "packed")):
        answer = client.post(url, json={"event_id": f"e{number}", "type": step}, headers=wms)
        assert answer.status_code == 200, answer.json
    shipped = client.post(url, headers={**wms, "Idempotency-Key": "e9"}, json={
        "type": "shipped", "tracking_number": "00340434161234567890",
        "parcels": [{"sscc": "003404341612345678", "weight_kg": 2.5}]})

    assert shipped.status_code == 200
    assert shipped.json["event"] == {**shipped.json["event"], "from_status": "packed",
                                     "to_status": "shipped", "id": "e9"}
    assert shipped.json["fulfillment"]["status"] == "shipped"
    assert Order.get_by_id(order.id).status == "shipped"
    assert level(shelf["cap"], stores["WH"]) == (3, 0)


def test_a_replayed_event_answers_the_same_and_another_body_is_422(client, wms, shelf):
    (fulfillment,) = fulfilments(paid_order(("CAP-1", 1)))
    url = f"/api/v1/fulfillments/{fulfillment.id}/events"
    first = client.post(url, json={"event_id": "e1", "type": "accepted"}, headers=wms)

    again = client.post(url, json={"event_id": "e1", "type": "accepted"}, headers=wms)
    other = client.post(url, json={"event_id": "e1", "type": "rejected", "reason": "x"},
                        headers=wms)

    assert again.status_code == 200 and again.json["duplicate"] is True
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json["event"] == first.json["event"]
    assert other.status_code == 422 and other.json["error"]["code"] == "event_id_reused"
    assert FulfillmentEvent.select().count() == 1


def test_an_illegal_transition_is_409_and_changes_nothing(client, wms, shelf, stores):
    order = paid_order(("CAP-1", 1))
    (fulfillment,) = fulfilments(order)
    movements = StockMovement.select().count()

    answer = client.post(f"/api/v1/fulfillments/{fulfillment.id}/events",
                         json={"event_id": "e1", "type": "shipped"}, headers=wms)

    assert answer.status_code == 409
    assert answer.json["error"]["code"] == "illegal_transition"
    assert "is assigned; it cannot become shipped" in answer.json["error"]["message"]
    assert FulfillmentOrder.get_by_id(fulfillment.id).status == "assigned"
    assert Order.get_by_id(order.id).status == "confirmed"
    assert StockMovement.select().count() == movements
    assert level(shelf["cap"], stores["WH"]) == (5, 1)


def test_bad_bodies_are_422_with_field_errors(client, wms, shelf):
    (fulfillment,) = fulfilments(paid_order(("CAP-1", 1)))
    url = f"/api/v1/fulfillments/{fulfillment.id}/events"

    no_id = client.post(url, json={"type": "accepted"}, headers=wms)
    bad = client.post(url, headers=wms, json={"event_id": "e1", "type": "teleported",
                                              "parcels": [{"sscc": "12", "colour": "red"}],
                                              "tracking_number": 5})

    assert no_id.status_code == 422 and "event_id" in no_id.json["error"]["fields"]
    assert bad.status_code == 422
    assert set(bad.json["error"]["fields"]) == {"type", "parcels.0", "tracking_number"}
    assert client.post(url, data="nope", headers=wms).status_code == 422
    assert FulfillmentEvent.select().count() == 0


def test_a_rejection_through_the_api_sources_again(client, wms, shelf, stores):
    order = paid_order(("SNK-1", 1))
    (ber,) = fulfilments(order)

    answer = client.post(f"/api/v1/fulfillments/{ber.id}/events", headers=wms,
                         json={"event_id": "r1", "type": "rejected", "reason": "damaged"})

    assert answer.status_code == 200
    assert answer.json["fulfillment"]["status"] == "rejected"
    assert answer.json["fulfillment"]["rejected_reason"] == "damaged"
    assert [(f.location.code, f.status) for f in fulfilments(order)] == [
        ("BER", "rejected"), ("HAM", "assigned")]


def post_event(client, wms, fulfillment, event_id, event_type, **body):
    return client.post(f"/api/v1/fulfillments/{fulfillment.id}/events", headers=wms,
                       json={"event_id": event_id, "type": event_type, **body})


def test_the_wms_packs_with_its_own_parcels_and_ships_under_its_carriers_number(client, wms,
                                                                              shelf):
    (fulfillment,) = fulfilments(paid_order(("CAP-1", 2)))
    sscc = gs1.build_sscc(4711, prefix=gs1.DEFAULT_COMPANY_PREFIX)
    for n, step in enumerate(("accepted", "picked")):
        assert post_event(client, wms, fulfillment, f"w-{n}", step).status_code == 200
    packed = post_event(client, wms, fulfillment, "w-2", "packed", parcels=[
        {"weight_kg": 1.25, "length_cm": 30, "width_cm": 20, "height_cm": 10, "sscc": sscc},
        {"weight_kg": 0.5}])
    assert packed.status_code == 200
    shipment = Shipment.get(Shipment.fulfillment == fulfillment.id)
    boxes = list(Parcel.select().where(Parcel.shipment == shipment).order_by(Parcel.parcel_no))
    assert [b.sscc for b in boxes][0] == sscc and len(boxes) == 2
    assert packed.json["fulfillment"]["shipments"][0]["tracking_number"] == \
        shipment.tracking_number

    shipped = post_event(client, wms, fulfillment, "w-3", "shipped",
                         tracking_number="00340434161234567890")

    assert shipped.status_code == 200
    shipment = Shipment.get_by_id(shipment.id)
    assert (shipment.tracking_number, shipment.carrier, shipment.status) == (
        "00340434161234567890", "external", "handed_over")
    assert Order.get_by_id(fulfillment.order_id).status == "shipped"


def test_a_tracking_number_used_before_is_refused_and_changes_nothing(client, wms, shelf):
    first, second = (fulfilments(paid_order(("CAP-1", 1)))[0] for _ in range(2))
    for part, prefix in ((first, "a"), (second, "b")):
        for n, step in enumerate(("accepted", "picked", "packed")):
            post_event(client, wms, part, f"{prefix}-{n}", step)
    assert post_event(client, wms, first, "a-9", "shipped",
                      tracking_number="JJD0001").status_code == 200
    movements = StockMovement.select().count()

    refused = post_event(client, wms, second, "b-9", "shipped", tracking_number="JJD0001")

    assert refused.status_code == 422 and "already in use" in refused.json["error"]["message"]
    assert FulfillmentOrder.get_by_id(second.id).status == "packed"
    assert StockMovement.select().count() == movements
    assert FulfillmentEvent.select().where(FulfillmentEvent.event_id == "b-9").count() == 0


def test_a_wms_cannot_report_collected(client, wms, shelf):
    (fulfillment,) = fulfilments(paid_order(("CAP-1", 1)))
    refused = post_event(client, wms, fulfillment, "c-1", "collected")
    assert refused.status_code == 409 and "pickup code" in refused.json["error"]["message"]
    assert FulfillmentOrder.get_by_id(fulfillment.id).status == "assigned"
