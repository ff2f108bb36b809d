"""The customer's return label without a key (/track/<token>/returns/<rma>/label.pdf),
the returns on the public tracking page and its JSON, and the return e-mails."""

from __future__ import annotations

from urllib.parse import urlsplit

from portal.notifications.models import OutboxMessage
from portal.returns.models import ReturnLine, ReturnOrder
from portal.returns.receiving import receive_return, take_back_at_counter
from portal.returns.refunding import refund_return
from portal.returns.services import ReturnRequest, cancel_return, register_return
from portal.shipping.models import Shipment
from tests.barcodes import decode_pdf
from tests.returns.conftest import delivered_order
from tests.shipping.scan import pdf_info


def by_post(order, quantity=1, **fields) -> ReturnRequest:
    return ReturnRequest(order.number, [{"sku": "CAP-1", "quantity": quantity}],
                         reason="too small", **fields)


def label_path(order, rma) -> str:
    return f"/track/{order.tracking_token}/returns/{rma.number}/label.pdf"


def mails(kind: str) -> list[OutboxMessage]:
    return list(OutboxMessage.select().where(OutboxMessage.kind == kind))


def test_the_label_link_serves_the_pdf_a4_or_4x6(client, shelf, users, returns_wh,
                                                  tmp_path):
    order = delivered_order(users)
    rma = register_return(by_post(order), None)
    tracking_number = Shipment.get_by_id(rma.shipment_id).tracking_number

    a4 = client.get(label_path(order, rma))
    small = client.get(label_path(order, rma) + "?format=4x6")

    assert (a4.status_code, a4.mimetype, small.status_code) == (200, "application/pdf", 200)
    assert "private" in a4.headers["Cache-Control"]
    assert pdf_info(a4.data, tmp_path)["Page size"].startswith("595")  # A4 points
    assert pdf_info(small.data, tmp_path)["Page size"].startswith("288")  # 4 inches
    for pdf in (a4.data, small.data):
        assert f"CODE-128:{tracking_number}" in decode_pdf(pdf, tmp_path)


def test_wrong_token_and_rma_pairs_are_one_404(client, shelf, users, returns_wh):
    order = delivered_order(users)
    other = delivered_order(users, ("CAP-1", 1))
    rma = register_return(by_post(order), None)
    theirs = register_return(by_post(other), None)
    in_store = register_return(by_post(order, drop_off="store", location="BER"), None)
    token = order.tracking_token
    near = token[:-1] + ("A" if token[-1] != "A" else "B")

    answers = [client.get(path) for path in (
        f"/track/{near}/returns/{rma.number}/label.pdf",
        f"/track/{token}/returns/{theirs.number}/label.pdf",  # another order's return
        f"/track/{token}/returns/{in_store.number}/label.pdf",  # no parcel, no label
        f"/track/{token}/returns/RMA-1999-000001/label.pdf",
        f"/track/{token}/returns/{'R' * 300}/label.pdf")]

    assert [a.status_code for a in answers] == [404] * 5
    assert client.get(label_path(order, rma)).status_code == 200
    cancel_return(rma, None, "kept it")
    assert client.get(label_path(order, rma)).status_code == 404


def test_the_tracking_page_lists_returns_with_their_label_and_refund(client, shelf, users,
                                                                      returns_wh):
    order = delivered_order(users)
    rma = register_return(by_post(order), None)
    return_parcel = Shipment.get_by_id(rma.shipment_id).tracking_number

    html = client.get(f"/track/{order.tracking_token}").get_data(as_text=True)
    data = client.get(f"/api/v1/tracking/{order.tracking_token}").json

    assert rma.number in html and "Registered" in html and "Not refunded yet" in html
    assert f'href="{label_path(order, rma)}"' in html and "Print return label" in html
    assert "Shipment 1 of 1" in html  # the return parcel is no parcel to the customer
    assert return_parcel not in [s["tracking_number"] for s in data["shipments"]]
    (listed,) = data["returns"]
    assert (listed["rma"], listed["status"], listed["tracking_number"]) == (
        rma.number, "requested", return_parcel)
    assert listed["refund"] == {"total": "0.00", "status": None}
    assert urlsplit(listed["label_url"]).path == label_path(order, rma)

    line = ReturnLine.get(ReturnLine.return_order == rma.id)
    receive_return(rma, returns_wh, {line.id: "opened"}, None)
    refund_return(ReturnOrder.get_by_id(rma.id), None)
    html = client.get(f"/track/{order.tracking_token}").get_data(as_text=True)
    assert "Received" in html and "Refunded:" in html and "Print return label" not in html
    assert "Erika" not in html and "Unter den Linden" not in html


def test_registering_queues_the_label_mail_once_and_a_refund_mail_follows(
        ctx, shelf, users, returns_wh):
    order = delivered_order(users)
    rma = register_return(by_post(order, 2), None)

    (mail,) = mails("return_registered")
    url = f"http://127.0.0.1:5000{label_path(order, rma)}"
    assert mail.recipient == "erika@example.com" and rma.number in mail.subject + mail.text_body
    assert url in mail.text_body and f'href="{url}"' in mail.html_body
    assert "post office" in mail.text_body and "style=" not in mail.html_body
    line = ReturnLine.get(ReturnLine.return_order == rma.id)
    receive_return(rma, returns_wh, {line.id: "new"}, None)
    refund_return(ReturnOrder.get_by_id(rma.id), None)
    (refunded,) = mails("return_refunded")
    assert rma.number in refunded.text_body and "€" in refunded.text_body
    assert len(mails("return_registered")) == 1


def test_a_store_drop_off_mail_names_the_store_and_a_counter_return_gets_only_the_refund(
        ctx, shelf, users, stores, returns_wh):
    order = delivered_order(users)
    register_return(by_post(order, drop_off="store", location="HAM"), None)
    (mail,) = mails("return_registered")
    assert "Hamburg City" in mail.text_body and "label.pdf" not in mail.text_body

    take_back_at_counter(by_post(order), stores["BER"], {1: "new"}, users["employee"])

    assert len(mails("return_registered")) == 1 and len(mails("return_refunded")) == 1
