"""POST /api/v1/returns (idempotent) and GET /api/v1/returns/{rma}: an RMA with a label
that scans, replays, quantities and bodies refused per field with nothing written,
scopes, the refund after receiving, and the order's returns."""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from portal.auth.services import create_api_key
from portal.notifications.models import OutboxMessage
from portal.returns.models import ReturnLine, ReturnOrder
from portal.returns.receiving import receive_return
from portal.returns.refunding import refund_return
from portal.shipping.models import Shipment
from tests.barcodes import decode_pdf
from tests.fulfilment.conftest import paid_order
from tests.returns.conftest import delivered_order
from tests.shipping.scan import pdf_text


@pytest.fixture
def shop(client, ctx):
    """The web shop's key (returns:write) and calls with it."""
    _key, plain = create_api_key("Web shop", ["returns:write"])

    def post(body, key="r-1", raw=None, token=plain):
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        return client.post("/api/v1/returns", headers=headers,
                           data=raw if raw is not None else json.dumps(body))

    def get(path, token=plain):
        return client.get(path, headers={"Authorization": f"Bearer {token}"})

    post.get = get
    return post


def body(order, *lines, drop_off="post_office", **more) -> dict:
    return {"order_number": order.number, "reason": "too small", "drop_off": drop_off,
            "lines": [{"sku": sku, "quantity": qty} for sku, qty in lines or (("CAP-1", 1),)],
            **more}


def registered_mails() -> list[OutboxMessage]:
    return list(OutboxMessage.select().where(OutboxMessage.kind == "return_registered"))


def test_a_return_by_post_answers_201_with_rma_label_link_and_drop_off_options(
        shop, client, shelf, users, returns_wh, tmp_path):
    order = delivered_order(users)

    answer = shop(body(order))

    assert answer.status_code == 201, answer.json
    data = answer.json
    rma = ReturnOrder.get(ReturnOrder.number == data["rma"])
    shipment = Shipment.get_by_id(rma.shipment_id)
    assert data["rma"].startswith("RMA-") and data["order_number"] == order.number
    assert (data["status"], data["drop_off"], data["location"]["code"]) == (
        "requested", "post_office", "WH")
    assert data["lines"] == [{"line_no": 1, "sku": "CAP-1", "quantity": 1,
                              "reason": "too small", "condition": None, "disposition": None,
                              "refund_amount": None}]
    assert data["refund"] == {"total": "0.00", "currency": "EUR", "status": None}
    assert data["tracking_number"] == shipment.tracking_number
    assert data["label_url"] == (f"http://127.0.0.1:5000/track/{order.tracking_token}"
                                 f"/returns/{data['rma']}/label.pdf")
    assert [e["kind"] for e in data["events"]] == ["registered"]
    options = data["drop_off_options"]
    assert [o.get("store", o["drop_off"]) for o in options] == [
        "BER", "HAM", "post_office", "mailbox"]  # the customer lives in 10117 Berlin
    assert options[0]["distance_km"] < options[1]["distance_km"]
    assert all(o["description"] for o in options)

    label = client.get(urlsplit(data["label_url"]).path)  # the customer's link, no key
    assert (label.status_code, label.mimetype) == (200, "application/pdf")
    assert f"CODE-128:{shipment.tracking_number}" in decode_pdf(label.data, tmp_path)
    text = pdf_text(label.data, tmp_path)
    assert data["rma"] in text and "RETOURE" in text
    assert len(registered_mails()) == 1


def test_the_same_idempotency_key_replays_the_same_rma_and_writes_nothing_more(
        shop, shelf, users, returns_wh):
    order = delivered_order(users)

    first = shop(body(order), key="ret-7")
    again = shop(body(order), key="ret-7")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json["rma"] == first.json["rma"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert ReturnOrder.select().count() == 1
    assert Shipment.select().where(Shipment.destination == "return").count() == 1
    assert len(registered_mails()) == 1
    other = shop(body(order, ("CAP-1", 2)), key="ret-7")
    assert (other.status_code, other.json["error"]["code"]) == (422, "idempotency_key_reused")
    assert shop(body(order), key=None).status_code == 400


def test_more_than_was_bought_is_422_with_nothing_written(shop, shelf, users, returns_wh):
    order = delivered_order(users)  # two caps

    answer = shop(body(order, ("CAP-1", 3)))

    assert answer.status_code == 422
    assert "At most 2 of CAP-1" in answer.json["error"]["fields"]["lines.0.quantity"]
    assert ReturnOrder.select().count() == 0 and ReturnLine.select().count() == 0
    assert Shipment.select().where(Shipment.destination == "return").count() == 0
    assert registered_mails() == []
    assert shop(body(order, ("CAP-1", 2)), key="r-2").status_code == 201
    refused = shop(body(order, ("CAP-1", 1)), key="r-3")  # all of them are coming back
    assert "lines.0.quantity" in refused.json["error"]["fields"]


@pytest.mark.parametrize(("payload", "fields"), [
    ([], {"body"}),
    ({}, {"order_number", "lines", "drop_off"}),
    ({"order_number": 7, "lines": "CAP-1", "drop_off": "pigeon"},
     {"order_number", "lines", "drop_off"}),
    ({"order_number": "X", "drop_off": "store", "reason": "x" * 201,
      "lines": [{"quantity": 1}, {"sku": "CAP-1", "quantity": 0, "reason": 5}, "CAP-1",
                {"line_no": True, "quantity": "1"}]},
     {"store", "reason", "lines.0", "lines.1.quantity", "lines.1.reason", "lines.2",
      "lines.3.line_no", "lines.3.quantity"}),
])
def test_bad_bodies_are_422_per_field_before_anything_is_looked_up(shop, shelf, users,
                                                                    payload, fields):
    answer = shop(payload)

    assert answer.status_code == 422
    assert set(answer.json["error"]["fields"]) == fields
    assert ReturnOrder.select().count() == 0


def test_meaning_errors_name_the_body_fields_and_unknown_orders_are_404(
        shop, shelf, users, returns_wh):
    order = delivered_order(users)
    unshipped = paid_order(("CAP-1", 1))

    store = shop(body(order, drop_off="store", store="WH"), key="a")  # not a store
    line = shop(body(order, ("NOPE", 1)), key="b")
    early = shop(body(unshipped), key="c")
    unknown = shop({**body(order), "order_number": "OMS-2000-999999"}, key="d")

    assert set(store.json["error"]["fields"]) == {"store"}
    assert set(line.json["error"]["fields"]) == {"lines.0"}
    assert set(early.json["error"]["fields"]) == {"order_number"}
    assert {store.status_code, line.status_code, early.status_code} == {422}
    assert (unknown.status_code, unknown.json["error"]["code"]) == (404, "not_found")
    assert ReturnOrder.select().count() == 0


def test_a_store_drop_off_has_no_label(shop, shelf, users, returns_wh):
    order = delivered_order(users)

    data = shop(body(order, drop_off="store", store="ham")).json

    assert (data["drop_off"], data["location"]["code"]) == ("store", "HAM")
    assert data["label_url"] is None and data["tracking_number"] is None
    assert Shipment.select().where(Shipment.destination == "return").count() == 0


def test_scopes(shop, client, shelf, users, returns_wh):
    order = delivered_order(users)
    rma = shop(body(order)).json["rma"]
    _k, reader = create_api_key("Reader", ["orders:read"])
    _k, other = create_api_key("Stock", ["availability:read"])

    assert client.post("/api/v1/returns", json=body(order)).status_code == 401
    assert shop(body(order), key="x", token="oms_nope_nope").status_code == 401
    assert shop(body(order), key="y", token=reader).status_code == 403
    assert shop.get(f"/api/v1/returns/{rma}", token=reader).status_code == 200
    assert shop.get(f"/api/v1/returns/{rma}", token=other).status_code == 403
    assert shop.get(f"/api/v1/returns/{rma}").status_code == 200
    assert shop.get("/api/v1/returns/RMA-2000-000001").status_code == 404
    assert ReturnOrder.select().count() == 1


def test_get_shows_the_refund_after_receiving_and_the_order_lists_its_returns(
        shop, client, shelf, users, returns_wh):
    order = delivered_order(users)
    rma_number = shop(body(order, ("CAP-1", 2))).json["rma"]
    rma = ReturnOrder.get(ReturnOrder.number == rma_number)
    line = ReturnLine.get(ReturnLine.return_order == rma.id)

    receive_return(rma, returns_wh, {line.id: "new"}, users["logistics"])
    refund_return(ReturnOrder.get_by_id(rma.id), users["logistics"])
    refund_return(ReturnOrder.get_by_id(rma.id), users["logistics"])  # a second click

    data = shop.get(f"/api/v1/returns/{rma_number.lower()}").json
    amount = Decimal(order.lines[0].unit_price) * 2
    assert data["status"] == "received" and data["received_at"].endswith("Z")
    assert data["refund"] == {"total": f"{amount:.2f}", "currency": "EUR",
                              "status": "succeeded"}
    (got,) = data["lines"]
    assert (got["condition"], got["disposition"], Decimal(got["refund_amount"])) == (
        "new", "restock", amount)
    assert [e["kind"] for e in data["events"]] == ["registered", "received", "refunded"]
    assert data["label_url"]  # still printable: the route serves it until cancelled
    _k, reader = create_api_key("Reader", ["orders:read"])
    listed = shop.get(f"/api/v1/orders/{order.number}", token=reader).json
    assert listed["status"] == "returned"
    assert listed["returns"] == [{"rma": rma_number, "status": "received",
                                  "refund_total": f"{amount:.2f}"}]
    refunded = list(OutboxMessage.select().where(OutboxMessage.kind == "return_refunded"))
    assert len(refunded) == 1 and rma_number in refunded[0].text_body
