"""The customer's tracking page (/track/<token>, the label's /track/parcel/<number>) and
the shipments on the staff's order page, where our own vans report their parcels."""

from __future__ import annotations

import pytest

from portal.fulfilment.services import advance
from portal.orders.models import Order
from portal.shipping.carriers import CARRIERS
from portal.shipping.models import Shipment, ShipmentEvent
from portal.shipping.status import STATUS_LABELS, ShipmentStatus
from portal.shipping.tracking import report
from tests.conftest import csrf_token
from tests.fulfilment.conftest import fulfilments, paid_order, shelf  # noqa: F401 - fixture
from tests.fulfilment.test_pickup import pickup_code, ready_at_store
from tests.shipping.shipped import current, make_locker, shipped_order

HTMX = {"HX-Request": "true", "HX-Target": "shipments"}


def page(client, order, **headers) -> str:
    response = client.get(f"/track/{order.tracking_token}", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_page_shows_each_shipment_with_its_timeline_newest_first(client, shelf,  # noqa: F811
                                                                     users):
    order, (shipment,) = shipped_order(users["logistics"])
    report(shipment, "in_transit", users["logistics"], place="Hub Kassel",
           note="driver Paul says the van is late")

    html = page(client, order)

    assert order.number in html and "Shipped" in html and "Home delivery" in html
    label = {status: str(text) for status, text in STATUS_LABELS.items()}
    assert shipment.tracking_number in html and label[ShipmentStatus.IN_TRANSIT] in html
    assert html.index("Hub Kassel") < html.index(label[ShipmentStatus.HANDED_OVER]) \
        < html.index(label[ShipmentStatus.CREATED])  # newest first
    assert "Central Warehouse" in html  # where it was packed and handed over
    # Our own carrier's URL leads back here: no link to it.
    assert f"{shipment.tracking_number}</a>" not in html
    for private in ("logistics@test.example", "driver Paul", "Erika", "erika@example.com",
                    "Unter den Linden"):
        assert private not in html
    assert "noindex" in client.get(f"/track/{order.tracking_token}").headers["X-Robots-Tag"]


def test_another_carriers_number_links_to_its_own_page(client, shelf, users,  # noqa: F811
                                                      monkeypatch):
    class Parcelly:
        def tracking_url(self, number: str) -> str:
            return f"https://parcelly.example/t/{number}"

    monkeypatch.setitem(CARRIERS, "parcelly", Parcelly)
    order, (shipment,) = shipped_order(users["logistics"])
    Shipment.update(carrier="parcelly").where(Shipment.id == shipment.id).execute()

    html = page(client, order)

    number = shipment.tracking_number
    assert f'<a href="https://parcelly.example/t/{number}" rel="noopener noreferrer">' \
           f"{number}</a>" in html


def test_click_and_collect_names_the_store_and_never_the_code(client, shelf, users):  # noqa: F811
    order, _part = ready_at_store(users)

    html = page(client, order)

    assert "Ready for pickup" in html and "Bring the pickup code" in html
    assert "Berlin Mitte" in html and "Hauptstraße 1" in html and "10178" in html
    assert pickup_code(order) not in html and order.pickup_code_hash not in html


def test_a_locker_order_names_the_locker_and_hides_its_code(client, shelf, users):  # noqa: F811
    make_locker()
    order, (shipment,) = shipped_order(users["logistics"], delivery_method="locker",
                                       locker_id="PS-4711")
    report(shipment, "delivered", users["logistics"])

    html = page(client, order)

    assert "PS-4711" in html and "Alexanderplatz 1" in html and "Delivered" in html
    assert shipment.locker_pin not in html


def test_the_page_speaks_german(client, shelf, users):  # noqa: F811
    order, _shipments = shipped_order(users["logistics"])

    html = page(client, order, **{"Accept-Language": "de-DE,de;q=0.9"})

    assert '<html lang="de">' in html
    assert f"Bestellung {order.number}" in html and "Versendet" in html
    assert "Lieferung nach Hause" in html


def test_a_label_qr_code_leads_to_the_tracking_page(client, shelf, users):  # noqa: F811
    order, (shipment,) = shipped_order(users["logistics"])

    found = client.get(f"/track/parcel/{shipment.tracking_number}")

    assert found.status_code == 302
    assert found.headers["Location"].endswith(f"/track/{order.tracking_token}")
    missing = client.get("/track/parcel/HC999999999DE")
    assert missing.status_code == 404 and "does not exist" in missing.get_data(as_text=True)
    assert client.get("/track/" + "x" * 200).status_code == 404


def test_staff_see_shipments_with_parcels_and_labels(as_role, shelf, users):  # noqa: F811
    order, (shipment,) = shipped_order(users["logistics"])
    parcel = shipment.parcels.get()

    html = as_role("logistics").get(f"/orders/{order.number}").get_data(as_text=True)

    assert 'id="shipments"' in html and shipment.tracking_number in html
    assert parcel.sscc in html and f"{fulfilments(order)[0].number}" in html
    assert f"/fulfilment/{shipment.fulfillment_id}/labels?format=a4" in html
    assert f"/fulfilment/{shipment.fulfillment_id}/labels.zpl" in html
    assert 'value="in_transit"' in html and 'value="delivered"' in html


def test_store_employees_see_shipments_but_report_nothing(as_role, shelf, users):  # noqa: F811
    order, (shipment,) = shipped_order(users["logistics"], ("SNK-1", 1),
                                       sources={"SNK-1": "BER"})
    client = as_role("employee")

    html = client.get(f"/orders/{order.number}").get_data(as_text=True)
    refused = client.post(f"/orders/{order.number}/shipments/{shipment.id}/events",
                          data={"csrf_token": csrf_token(client, "/"), "status": "delivered"})

    assert shipment.tracking_number in html and 'value="delivered"' not in html
    assert refused.status_code == 403 and current(shipment).status == "handed_over"


def _report(client, order, shipment, status, **form):
    return client.post(f"/orders/{order.number}/shipments/{shipment.id}/events",
                       data={"csrf_token": csrf_token(client, "/"), "status": status, **form})


def test_our_van_reports_without_javascript(as_role, shelf, users):  # noqa: F811
    order, (shipment,) = shipped_order(users["logistics"])
    client = as_role("logistics")

    moved = _report(client, order, shipment, "in_transit", place="Kassel", token="t1")
    again = _report(client, order, shipment, "in_transit", place="Kassel", token="t1")

    assert moved.status_code == 302 and moved.headers["Location"].endswith("#shipments")
    assert current(shipment).status == "in_transit"
    assert again.status_code == 302
    event = ShipmentEvent.get(ShipmentEvent.status == "in_transit")
    assert (event.source, event.place, event.actor) == ("portal", "Kassel",
                                                       "logistics@test.example")
    assert ShipmentEvent.select().where(ShipmentEvent.status == "in_transit").count() == 1
    shown = client.get(moved.headers["Location"]).get_data(as_text=True)
    assert f"{shipment.tracking_number}: In transit." in shown


def test_our_van_reports_with_htmx(as_role, shelf, users):  # noqa: F811
    order, (shipment,) = shipped_order(users["logistics"])
    client = as_role("manager")

    moving = client.post(f"/orders/{order.number}/shipments/{shipment.id}/events",
                         data={"csrf_token": csrf_token(client, "/"), "status": "in_transit"},
                         headers=HTMX)
    arrived = client.post(f"/orders/{order.number}/shipments/{shipment.id}/events",
                          data={"csrf_token": csrf_token(client, "/"), "status": "delivered"},
                          headers=HTMX)

    fragment = moving.get_data(as_text=True)
    assert moving.status_code == 200
    assert '<section class="card" id="shipments">' in fragment and "<html" not in fragment
    assert f"{shipment.tracking_number}: In transit." in fragment
    # Delivered moves the order too: the whole page loads again.
    assert arrived.status_code == 204 and arrived.headers["HX-Redirect"].endswith("#shipments")
    assert current(order).status == "delivered"


@pytest.mark.parametrize("case", ["packed_only", "to_the_pickup_store", "bad_status",
                                  "delivered_already"])
def test_refused_reports_change_nothing(as_role, shelf, users, case):  # noqa: F811
    if case == "packed_only":
        order = paid_order(("CAP-1", 1))
        (part,) = fulfilments(order)
        for step in ("accepted", "picking", "packed"):
            advance(part, step, users["logistics"])
        status = "in_transit"
    elif case == "to_the_pickup_store":
        order, _shipments = shipped_order(users["logistics"], ("CAP-1", 1),
                                          delivery_method="click_collect",
                                          pickup_location="BER", sources={"CAP-1": "WH"})
        status = "delivered"
    else:
        order, _shipments = shipped_order(users["logistics"])
        if case == "delivered_already":
            report(_shipments[0], "delivered", users["logistics"])
        status = "created" if case == "bad_status" else "delivered"
    shipment = Shipment.get(Shipment.order == order.id)
    before = (current(shipment).status, Order.get_by_id(order.id).status,
              ShipmentEvent.select().count())
    client = as_role("logistics")

    answer = _report(client, order, shipment, status)

    assert answer.status_code == 302
    assert "cannot be reported from here" in client.get(answer.headers["Location"]).get_data(
        as_text=True)
    assert (current(shipment).status, Order.get_by_id(order.id).status,
            ShipmentEvent.select().count()) == before


def test_a_report_needs_the_csrf_token_and_a_shipment_of_this_order(as_role, shelf,  # noqa: F811
                                                                   users):
    order, (shipment,) = shipped_order(users["logistics"])
    other, _ = shipped_order(users["logistics"])
    client = as_role("logistics")

    no_token = client.post(f"/orders/{order.number}/shipments/{shipment.id}/events",
                           data={"status": "delivered"})
    elsewhere = _report(client, other, shipment, "delivered")

    assert no_token.status_code == 400 and elsewhere.status_code == 404
    assert current(shipment).status == "handed_over"


def test_without_a_browser_language_the_page_speaks_the_orders(client, shelf,  # noqa: F811
                                                               users):
    """A reader whose browser asks for no language the portal speaks gets the order's
    language (not the portal's default) until they switch."""
    order, _shipments = shipped_order(users["logistics"])
    Order.update(language="de").where(Order.id == order.id).execute()

    german = page(client, order, **{"Accept-Language": "fr-FR,fr;q=0.9"})
    assert f"Bestellung {order.number}" in german and 'lang="de"' in german
    assert 'lang="en"' in page(client, order, **{"Accept-Language": "en-GB"})

    client.post("/language", data={"language": "en", "next": f"/track/{order.tracking_token}",
                                   "csrf_token": csrf_token(client, "/login")})
    english = page(client, order, **{"Accept-Language": "fr-FR,fr;q=0.9"})
    assert f"Order {order.number}" in english and 'lang="en"' in english
