"""The pack screen and labels: parcels recorded with weight and size become a shipment
with a valid tracking number and an SSCC per parcel; its labels scan; a selection of
the queue prints into one document; bad input changes nothing."""

from __future__ import annotations

import re
import subprocess

from portal.fulfilment.models import FulfillmentOrder
from portal.fulfilment.services import advance
from portal.shipping import gs1
from portal.shipping.carriers import house_carrier
from portal.shipping.models import Parcel, Shipment
from tests.barcodes import decode_pdf, tool
from tests.conftest import csrf_token
from tests.fulfilment.conftest import fulfilments, paid_order


def picking(users, *lines, **fields):
    order = paid_order(*lines, **fields)
    part = fulfilments(order)[0]
    for step in ("accepted", "picking"):
        advance(part, step, users["employee"] if part.location.code == "BER"
                else users["logistics"])
    return FulfillmentOrder.get_by_id(part.id)


def pages(pdf: bytes, tmp_path) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(pdf)
    info = subprocess.run([tool("pdfinfo"), str(path)], capture_output=True, text=True,  # noqa: S603
                          check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info)[1])


def test_the_pack_screen_suggests_the_weight_and_adds_parcels_without_javascript(as_role,
                                                                                 shelf, users):
    part = picking(users, ("SNK-1", 2), sources={"SNK-1": "BER"})
    client = as_role("employee")

    page = client.get(f"/fulfilment/{part.id}/pack").get_data(as_text=True)
    assert "SNK-1" in page and 'name="weight_kg-0"' in page and 'name="weight_kg-1"' not in page
    more = client.get(f"/fulfilment/{part.id}/pack?parcels=2").get_data(as_text=True)
    assert 'name="weight_kg-1"' in more
    token = csrf_token(client, f"/fulfilment/{part.id}/pack")
    added = client.post(f"/fulfilment/{part.id}/pack", data={
        "csrf_token": token, "count": "1", "weight_kg-0": "2,5", "length_cm-0": "40",
        "add": "1"}).get_data(as_text=True)
    assert 'name="weight_kg-1"' in added and 'value="2,5"' in added and 'value="40"' in added
    assert FulfillmentOrder.get_by_id(part.id).status == "picking"  # nothing saved yet


def test_packing_two_parcels_creates_a_shipment_whose_labels_scan(ctx, as_role, shelf, users,
                                                                  tmp_path):
    part = picking(users, ("SNK-1", 2), sources={"SNK-1": "BER"})
    client = as_role("employee")
    token = csrf_token(client, f"/fulfilment/{part.id}/pack")

    answer = client.post(f"/fulfilment/{part.id}/pack", data={
        "csrf_token": token, "count": "2", "weight_kg-0": "1,5", "length_cm-0": "40",
        "width_cm-0": "30", "height_cm-0": "20", "weight_kg-1": "0.8"})

    assert answer.status_code == 302
    assert FulfillmentOrder.get_by_id(part.id).status == "packed"
    shipment = Shipment.get(Shipment.fulfillment == part.id)
    assert house_carrier().is_valid_tracking_number(shipment.tracking_number)
    assert (shipment.destination, shipment.status, shipment.service) == ("home", "created", "STD")
    boxes = list(Parcel.select().where(Parcel.shipment == shipment).order_by(Parcel.parcel_no))
    assert [(float(b.weight_kg), b.length_cm) for b in boxes] == [(1.5, 40), (0.8, 0)]
    assert all(gs1.is_valid(b.sscc) for b in boxes)
    page = client.get(answer.location).get_data(as_text=True)
    assert shipment.tracking_number in page and boxes[1].sscc in page

    pdf = client.get(f"/fulfilment/{part.id}/labels?format=4x6")
    assert pdf.mimetype == "application/pdf" and pages(pdf.data, tmp_path) == 2
    decoded = decode_pdf(pdf.data, tmp_path, page=2)
    assert f"CODE-128:{shipment.tracking_number}" in decoded
    assert f"CODE-128:00{boxes[1].sscc}" in decoded
    public = ctx.config["PUBLIC_URL"].rstrip("/")
    assert f"QR-Code:{public}/track/parcel/{shipment.tracking_number}" in decoded
    a4 = client.get(f"/fulfilment/{part.id}/labels?format=a4")
    assert pages(a4.data, tmp_path) == 1  # four labels per A4 page
    zpl = client.get(f"/fulfilment/{part.id}/labels.zpl").get_data(as_text=True)
    assert zpl.count("^XA") == 2 and shipment.tracking_number in zpl


def test_a_bad_parcel_is_refused_and_changes_nothing(as_role, shelf, users):
    part = picking(users, ("SNK-1", 1), sources={"SNK-1": "BER"})
    client = as_role("employee")
    token = csrf_token(client, f"/fulfilment/{part.id}/pack")

    answer = client.post(f"/fulfilment/{part.id}/pack", data={
        "csrf_token": token, "count": "2", "weight_kg-0": "2", "weight_kg-1": "heavy",
        "height_cm-0": "-3"})

    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert 'id="weight_kg-1-error"' in page and 'id="height_cm-0-error"' in page
    assert FulfillmentOrder.get_by_id(part.id).status == "picking"
    assert Shipment.select().count() == 0 and Parcel.select().count() == 0


def test_a_parcel_too_heavy_for_the_carrier_is_refused(as_role, shelf, users):
    part = picking(users, ("SNK-1", 1), sources={"SNK-1": "BER"})
    client = as_role("employee")
    token = csrf_token(client, f"/fulfilment/{part.id}/pack")

    answer = client.post(f"/fulfilment/{part.id}/pack",
                         data={"csrf_token": token, "count": "1", "weight_kg-0": "45"})

    assert answer.status_code == 422 and "at most 31.5 kg" in answer.get_data(as_text=True)
    assert FulfillmentOrder.get_by_id(part.id).status == "picking"
    assert Shipment.select().count() == 0


def test_labels_of_a_selection_print_as_one_document(as_role, shelf, users, tmp_path):
    parts = [picking(users, ("CAP-1", 1)) for _ in range(3)]
    other = picking(users, ("SNK-1", 1), sources={"SNK-1": "BER"})
    client = as_role("logistics")
    token = csrf_token(client, "/fulfilment/")
    client.post("/fulfilment/bulk", data={"csrf_token": token, "type": "packed",
                                          "ids": [p.id for p in parts]})
    assert Shipment.select().count() == 3  # one default parcel each

    answer = client.post("/fulfilment/labels", data={
        "csrf_token": token, "format": "4x6", "ids": [*(p.id for p in parts), other.id]})

    assert answer.mimetype == "application/pdf" and pages(answer.data, tmp_path) == 3
    numbers = [s.tracking_number for s in Shipment.select().order_by(Shipment.fulfillment)]
    for page, number in enumerate(numbers, start=1):
        assert f"CODE-128:{number}" in decode_pdf(answer.data, tmp_path, page=page)


def test_labels_of_rows_without_shipments_say_so(as_role, shelf, users):
    part = picking(users, ("CAP-1", 1))
    client = as_role("logistics")
    token = csrf_token(client, "/fulfilment/")
    answer = client.post("/fulfilment/labels", data={"csrf_token": token, "ids": [part.id]},
                         follow_redirects=True)
    assert "pack them first" in answer.get_data(as_text=True)
    assert client.get(f"/fulfilment/{part.id}/labels").status_code == 404


def test_another_stores_pack_screen_is_not_found(as_role, shelf, users):
    part = picking(users, ("SNK-1", 1), sources={"SNK-1": "HAM"})
    assert as_role("employee").get(f"/fulfilment/{part.id}/pack").status_code == 404
