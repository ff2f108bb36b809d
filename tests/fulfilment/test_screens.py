"""The work queue: who sees which location, one step per row, bulk steps with a report
per row, and the order page showing each fulfilment."""

from __future__ import annotations

from portal.fulfilment.models import FulfillmentOrder
from portal.fulfilment.services import advance
from portal.orders.models import Order
from tests.conftest import csrf_token
from tests.fulfilment.conftest import fulfilments, paid_order


def status_of(fulfillment) -> str:
    return FulfillmentOrder.get_by_id(fulfillment.id).status


def test_an_employee_works_only_their_own_store(as_role, shelf):
    ber = fulfilments(paid_order(("SNK-1", 1), sources={"SNK-1": "BER"}))[0]
    ham = fulfilments(paid_order(("SNK-1", 1), sources={"SNK-1": "HAM"}))[0]
    client = as_role("employee")

    page = client.get("/fulfilment/").get_data(as_text=True)
    assert ber.number in page and ham.number not in page
    assert client.get("/fulfilment/?location=HAM").status_code == 404
    token = csrf_token(client, "/fulfilment/")
    answer = client.post(f"/fulfilment/{ham.id}/events",
                         data={"type": "accepted", "csrf_token": token})
    assert answer.status_code == 404 and status_of(ham) == "assigned"


def test_logistics_starts_at_a_warehouse_and_never_sees_stores(as_role, shelf):
    wh = fulfilments(paid_order(("CAP-1", 1)))[0]
    fulfilments(paid_order(("SNK-1", 1), sources={"SNK-1": "BER"}))
    client = as_role("logistics")

    page = client.get("/fulfilment/").get_data(as_text=True)
    assert wh.number in page and "Central Warehouse" in page
    assert client.get("/fulfilment/?location=BER").status_code == 404


def test_a_manager_chooses_any_location(as_role, shelf):
    ber = fulfilments(paid_order(("SNK-1", 1), sources={"SNK-1": "BER"}))[0]
    client = as_role("manager")
    assert ber.number in client.get("/fulfilment/?location=BER").get_data(as_text=True)


def test_one_step_without_javascript_redirects_back_with_a_message(as_role, shelf):
    ber = fulfilments(paid_order(("SNK-1", 1), sources={"SNK-1": "BER"}))[0]
    client = as_role("employee")
    token = csrf_token(client, "/fulfilment/")

    answer = client.post(f"/fulfilment/{ber.id}/events",
                         data={"type": "accepted", "csrf_token": token, "status": "assigned",
                               "location": "BER"})

    assert answer.status_code == 302 and "status=assigned" in answer.location
    assert status_of(ber) == "accepted"
    page = client.get(answer.location).get_data(as_text=True)
    assert f"{ber.number}: Accepted." in page
    refused = client.post(f"/fulfilment/{ber.id}/events",
                          data={"type": "shipped", "csrf_token": token}, follow_redirects=True)
    assert "cannot become shipped" in refused.get_data(as_text=True)


def test_without_csrf_a_step_is_refused(as_role, shelf):
    ber = fulfilments(paid_order(("SNK-1", 1), sources={"SNK-1": "BER"}))[0]
    client = as_role("employee")
    assert client.post(f"/fulfilment/{ber.id}/events",
                       data={"type": "accepted"}).status_code == 400
    assert status_of(ber) == "assigned"


def test_cannot_fulfil_needs_a_reason_and_sources_again(as_role, shelf):
    ber = fulfilments(paid_order(("SNK-1", 1), sources={"SNK-1": "BER"}))[0]
    client = as_role("employee")
    token = csrf_token(client, "/fulfilment/")

    client.post(f"/fulfilment/{ber.id}/events", data={"type": "rejected", "csrf_token": token})
    assert status_of(ber) == "assigned"
    client.post(f"/fulfilment/{ber.id}/events",
                data={"type": "rejected", "reason": "water damage", "csrf_token": token})
    assert status_of(ber) == "rejected"
    assert [f.location.code for f in fulfilments(ber.order)] == ["BER", "HAM"]


def test_bulk_steps_report_each_row(as_role, shelf):
    rows = [fulfilments(paid_order(("CAP-1", 1)))[0] for _ in range(3)]
    advance(rows[2], "accepted", "wms")
    client = as_role("logistics")
    token = csrf_token(client, "/fulfilment/")

    answer = client.post("/fulfilment/bulk", headers={"HX-Request": "true"}, data={
        "type": "accepted", "ids": [str(f.id) for f in rows], "csrf_token": token,
        "location": "WH"})

    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<html" not in html  # the fragment
    assert "2 of 3 rows done." in html
    assert f"{rows[2].number}: Fulfilment {rows[2].number} is accepted" in html
    assert [status_of(f) for f in rows] == ["accepted"] * 3


def test_bulk_without_selection_or_with_foreign_rows_says_so(as_role, shelf):
    ham = fulfilments(paid_order(("SNK-1", 1), sources={"SNK-1": "HAM"}))[0]
    client = as_role("employee")
    token = csrf_token(client, "/fulfilment/")

    empty = client.post("/fulfilment/bulk", data={"type": "accepted", "csrf_token": token},
                        follow_redirects=True)
    assert "Select rows and a step." in empty.get_data(as_text=True)
    foreign = client.post("/fulfilment/bulk", follow_redirects=True, data={
        "type": "accepted", "ids": [str(ham.id)], "csrf_token": token})
    assert f"Row {ham.id} is not in your queue." in foreign.get_data(as_text=True)
    assert status_of(ham) == "assigned"


def test_the_queue_filters_by_status_and_order_number(as_role, shelf):
    first, second = (fulfilments(paid_order(("CAP-1", 1)))[0] for _ in range(2))
    advance(first, "accepted", "wms")
    client = as_role("logistics")

    accepted = client.get("/fulfilment/?status=accepted").get_data(as_text=True)
    assert first.number in accepted and second.number not in accepted
    assert "Accepted (1)" in accepted and "Assigned (1)" in accepted
    found = client.get(f"/fulfilment/?q={second.order.number}",
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert second.number in found and first.number not in found


def test_the_order_page_shows_fulfilments_and_its_reject_button_uses_them(as_role, shelf):
    order = paid_order(("SNK-1", 1), sources={"SNK-1": "BER"})
    (ber,) = fulfilments(order)
    client = as_role("employee")

    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert ber.number in page and "Assigned" in page
    token = csrf_token(client, f"/orders/{order.number}")
    client.post(f"/orders/{order.number}/fulfilments/BER/reject",
                data={"reason": "broken", "csrf_token": token})

    assert status_of(ber) == "rejected"
    assert FulfillmentOrder.get_by_id(ber.id).rejected_reason == "broken"
    assert Order.get_by_id(order.id).status == "confirmed"
    assert [f.location.code for f in fulfilments(order)] == ["BER", "HAM"]


def test_a_click_and_collect_row_names_the_pickup_store(as_role, shelf):
    """Shipped from Berlin to Hamburg's counter: Berlin's row says where it goes; a row
    collected where it lies says "here"."""
    elsewhere = fulfilments(paid_order(("SNK-1", 1), delivery_method="click_collect",
                                       pickup_location="HAM", sources={"SNK-1": "BER"}))[0]
    here = fulfilments(paid_order(("SNK-1", 1), delivery_method="click_collect",
                                  pickup_location="BER", sources={"SNK-1": "BER"}))[0]
    page = as_role("manager").get("/fulfilment/?location=BER").get_data(as_text=True)

    row = page[page.index(f'id="fulfilment-{elsewhere.id}"'):]
    assert "pickup at HAM" in row[:row.index("</tr>")]
    row = page[page.index(f'id="fulfilment-{here.id}"'):]
    assert ">here<" in row[:row.index("</tr>")]
