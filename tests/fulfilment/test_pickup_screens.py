"""The Click & Collect pickup screen: who sees which store, handing over with the code
(wrong and right), a new code, parcels arriving at the store, htmx fragments, German,
and ``flask pickups expire``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.auth.models import User
from portal.db import utcnow
from portal.fulfilment import pickup_views
from portal.fulfilment.services import advance
from portal.inventory.models import StockMovement
from portal.notifications.models import OutboxMessage
from portal.orders.models import Order
from portal.shipping.models import ShipmentEvent
from tests.conftest import csrf_token
from tests.fulfilment.conftest import fulfilments, level, paid_order
from tests.fulfilment.test_pickup import cap_on_the_road, pickup_code, ready_at_store, status_of

HTMX = {"HX-Request": "true"}


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def ready_at_hamburg(users):
    order = paid_order(("SNK-1", 1), delivery_method="click_collect", pickup_location="HAM",
                       sources={"SNK-1": "HAM"}, customer_name="Hans Hamburg")
    (part,) = fulfilments(order)
    for step in ("accepted", "picking", "packed", "ready_for_pickup"):
        advance(part, step, users["employee_ham"])
    return Order.get_by_id(order.id)


def text(response) -> str:
    return response.get_data(as_text=True)


def test_an_employee_sees_the_ready_orders_of_their_store_only(as_role, shelf, users):
    order, _part = ready_at_store(users)
    ham = ready_at_hamburg(users)
    client = as_role("employee")

    page = text(client.get("/pickups/"))
    assert order.number in page and "Erika Mustermann" in page and "SNK-1 × 1" in page
    assert ham.number not in page and "Hans Hamburg" not in page
    assert 'inputmode="numeric"' in page and 'autocomplete="one-time-code"' in page
    assert "Overdue" not in page and "0 days" in page
    assert client.get("/pickups/?location=HAM").status_code == 404
    assert order.number in text(client.get("/pickups/?q=erika@EXAMPLE"))
    assert order.number not in text(client.get("/pickups/?q=nobody"))


def test_an_order_waiting_too_long_is_flagged_overdue(as_role, shelf, users):
    order, _part = ready_at_store(users)
    (Order.update(pickup_ready_at=utcnow() - timedelta(days=8))
     .where(Order.id == order.id).execute())

    page = text(as_role("employee").get("/pickups/"))

    assert "Overdue" in page and "8 days" in page


def test_a_wrong_code_shows_the_error_and_changes_nothing(as_role, shelf, stores, users):
    order, part = ready_at_store(users)
    before = (level(shelf["shoe"], stores["BER"]), StockMovement.select().count())
    client = as_role("employee")
    token = csrf_token(client, "/pickups/")

    answer = client.post(f"/pickups/{order.number}/collect?location=BER&q=Erika",
                         data={"code": wrong(pickup_code(order)), "csrf_token": token})

    assert answer.status_code == 302 and "q=Erika" in answer.location
    assert "Wrong pickup code" in text(client.get(answer.location))
    assert status_of(order) == "ready_for_pickup" and status_of(part) == "ready_for_pickup"
    assert (level(shelf["shoe"], stores["BER"]), StockMovement.select().count()) == before
    assert Order.get_by_id(order.id).pickup_attempts == 1


def test_the_right_code_hands_the_order_over(as_role, shelf, stores, users):
    order, part = ready_at_store(users)
    client = as_role("employee")
    token = csrf_token(client, "/pickups/")

    answer = client.post(f"/pickups/{order.number}/collect", follow_redirects=True,
                         data={"code": pickup_code(order), "csrf_token": token})

    assert f"{order.number} was handed over." in text(answer)
    assert status_of(order) == "collected" and status_of(part) == "collected"
    assert level(shelf["shoe"], stores["BER"]) == (2, 0)  # left the shelf
    assert order.number not in text(client.get("/pickups/")).split("flash")[-1]


def test_another_stores_order_or_parcel_is_a_404(as_role, shelf, users):
    ham = ready_at_hamburg(users)
    client = as_role("employee")
    token = csrf_token(client, "/pickups/")

    for action in ("collect", "new-code"):
        answer = client.post(f"/pickups/{ham.number}/{action}?location=HAM",
                             data={"code": pickup_code(ham), "csrf_token": token})
        assert answer.status_code == 404
    assert client.post("/pickups/OMS-0000-000000/collect",
                       data={"csrf_token": token}).status_code == 404
    assert status_of(ham) == "ready_for_pickup"
    assert Order.get_by_id(ham.id).pickup_attempts == 0
    assert OutboxMessage.select().where(OutboxMessage.kind == "pickup_ready").count() == 1


def test_without_csrf_nothing_happens(as_role, shelf, users):
    order, _part = ready_at_store(users)
    client = as_role("employee")

    answer = client.post(f"/pickups/{order.number}/collect", data={"code": pickup_code(order)})

    assert answer.status_code == 400 and status_of(order) == "ready_for_pickup"


def test_a_parcel_arriving_makes_the_order_ready(as_role, shelf, users):
    order, shipment = cap_on_the_road(users)
    client = as_role("employee")
    page = text(client.get("/pickups/"))
    assert "On the way to this store" in page and shipment.tracking_number in page
    assert "Parcel arrived" in page
    token = csrf_token(client, "/pickups/")

    answer = client.post(f"/pickups/shipments/{shipment.id}/arrived?location=BER",
                         data={"csrf_token": token}, follow_redirects=True)

    assert f"Parcel {shipment.tracking_number} arrived." in text(answer)
    assert f"{order.number} is ready for pickup." in text(answer)
    assert status_of(order) == "ready_for_pickup" and status_of(shipment) == "delivered"
    delivered = ShipmentEvent.get(ShipmentEvent.shipment == shipment.id,
                                  ShipmentEvent.status == "delivered")
    assert delivered.place == "Berlin Mitte" and delivered.actor == "berlin@test.example"
    assert OutboxMessage.select().where(OutboxMessage.kind == "pickup_ready").exists()
    again = client.post(f"/pickups/shipments/{shipment.id}/arrived",
                        data={"csrf_token": token}, follow_redirects=True)
    assert "has already arrived" in text(again)


def test_parcels_to_another_store_are_a_404(as_role, shelf, users):
    _order, shipment = cap_on_the_road(users)
    client = as_role("employee_ham")
    token = csrf_token(client, "/pickups/")

    answer = client.post(f"/pickups/shipments/{shipment.id}/arrived",
                         data={"csrf_token": token})

    assert answer.status_code == 404 and status_of(shipment) == "handed_over"


def test_htmx_answers_the_fragment_with_the_focus_on_the_code(as_role, shelf, users):
    order, _part = ready_at_store(users)
    client = as_role("employee")
    token = csrf_token(client, "/pickups/")

    listed = text(client.get("/pickups/?q=OMS", headers=HTMX))
    assert "<html" not in listed and order.number in listed and "autofocus" not in listed
    refused = text(client.post(f"/pickups/{order.number}/collect?location=BER", headers=HTMX,
                               data={"code": "12", "csrf_token": token}))
    assert "<html" not in refused and "Wrong pickup code" in refused
    assert 'aria-invalid="true"' in refused and "Wrong code." in refused
    code_input = refused.split('name="code"')[1].split(">")[0]
    assert "autofocus" in code_input
    done = text(client.post(f"/pickups/{order.number}/collect?location=BER", headers=HTMX,
                            data={"code": pickup_code(order), "csrf_token": token}))
    assert "<html" not in done and f"{order.number} was handed over." in done
    assert 'role="status" tabindex="-1" autofocus' in done


def test_pages_link_to_the_list_also_in_a_post_answer(as_role, shelf, users, monkeypatch):
    monkeypatch.setattr(pickup_views, "PER_PAGE", 1)
    first, _part = ready_at_store(users)
    second, _part = ready_at_store(users)
    client = as_role("employee")
    token = csrf_token(client, "/pickups/")

    answer = text(client.post(f"/pickups/{second.number}/new-code?location=BER&page=2",
                              headers=HTMX, data={"csrf_token": token}))

    assert second.number in answer and first.number not in answer.split("</div>", 1)[1]
    assert "/pickups/?location=BER&amp;page=1" in answer


def test_a_new_code_replaces_the_old_one(as_role, shelf, users):
    order, _part = ready_at_store(users)
    Order.update(pickup_attempts=5).where(Order.id == order.id).execute()
    client = as_role("employee")
    assert "Locked after too many wrong codes" in text(client.get("/pickups/"))
    token = csrf_token(client, "/pickups/")

    answer = client.post(f"/pickups/{order.number}/new-code", data={"csrf_token": token},
                         follow_redirects=True)

    assert "A new pickup code" in text(answer)
    assert OutboxMessage.select().where(OutboxMessage.kind == "pickup_ready").count() == 2
    assert Order.get_by_id(order.id).pickup_attempts == 0


def test_logistics_sees_every_store_and_receives_parcels_but_hands_nothing_over(
        as_role, shelf, users):
    order, shipment = cap_on_the_road(users)
    ready, _part = ready_at_store(users)
    client = as_role("logistics")

    page = text(client.get("/pickups/?location=BER"))
    assert ready.number in page and "Hand over" not in page
    assert "Parcel arrived" in page
    token = csrf_token(client, "/pickups/")
    assert client.post(f"/pickups/{ready.number}/collect", data={
        "code": pickup_code(ready), "csrf_token": token}).status_code == 403
    client.post(f"/pickups/shipments/{shipment.id}/arrived", data={"csrf_token": token})
    assert status_of(order) == "ready_for_pickup"


def test_a_manager_chooses_the_store(as_role, shelf, users):
    ham = ready_at_hamburg(users)
    client = as_role("manager")

    page = text(client.get("/pickups/?location=HAM"))

    assert ham.number in page and '<select id="location"' in page
    assert client.get("/pickups/?location=WH").status_code == 404  # not a store


def test_the_screen_speaks_german(as_role, shelf, users):
    ready_at_store(users)
    User.update(language="de").where(User.id == users["employee"].id).execute()

    page = text(as_role("employee").get("/pickups/"))

    assert '<html lang="de">' in page and "Abholbereit" in page and "Abmelden" in page


def test_the_queue_and_the_dashboard_link_to_the_screen(as_role, shelf):
    client = as_role("employee")
    assert 'href="/pickups/?location=BER"' in text(client.get("/fulfilment/"))
    assert 'href="/pickups/"' in text(client.get("/"))


@pytest.mark.parametrize("days, cancelled", [(None, True), (30, False)])
def test_the_command_cancels_orders_nobody_collected(app, shelf, stores, users, days,
                                                     cancelled):
    order, _part = ready_at_store(users)
    (Order.update(pickup_ready_at=utcnow() - timedelta(days=8))
     .where(Order.id == order.id).execute())

    result = app.test_cli_runner().invoke(
        args=["pickups", "expire", *(["--days", str(days)] if days else [])])

    assert result.exit_code == 0, result.output
    assert (order.number in result.output) is cancelled
    assert f"Cancelled {int(cancelled)} order(s)" in result.output
    assert status_of(order) == ("cancelled" if cancelled else "ready_for_pickup")
    if cancelled:
        assert level(shelf["shoe"], stores["BER"]) == (3, 0)  # back on the shelf


def test_a_customer_without_e_mail_is_handed_over_after_ticking_the_id_check(as_role, shelf,
                                                                             users):
    order, _part = ready_at_store(users, customer_email="")
    client = as_role("employee")
    page = text(client.get("/pickups/"))
    assert 'name="id_checked"' in page and "ID checked: Erika Mustermann" in page
    assert "Send a new code" not in page
    token = csrf_token(client, "/pickups/")

    refused = client.post(f"/pickups/{order.number}/collect", data={"csrf_token": token},
                          follow_redirects=True)
    assert "Check that the customer" in text(refused) and status_of(order) == "ready_for_pickup"

    client.post(f"/pickups/{order.number}/collect", data={"csrf_token": token, "id_checked": "1"})
    assert status_of(order) == "collected"
