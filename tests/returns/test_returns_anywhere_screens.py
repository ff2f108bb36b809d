"""Returns anywhere at the counter: a Hamburg clerk finds a return announced for Berlin
(RMA, order number, e-mail, tracking code), receives it at Hamburg with a photo and sees
the photo on the result page; the lists stay scoped; the store is the server's choice for
an employee; a return another store received meanwhile, or a parcel on its way, is
refused with its reason and nothing written."""

from __future__ import annotations

import pytest

from portal.inventory.models import StockMovement
from portal.payments.models import Refund
from portal.returns.models import ReturnLine, ReturnOrder, ReturnPhoto
from portal.returns.receiving import receive_at_counter
from portal.shipping.models import Shipment
from portal.shipping.tracking import report
from tests.returns.screens import announced_for, at_counter, by_post, post, signed_in
from tests.returns.test_return_photos import files, jpeg_with_gps, stored_files


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    """This test's own upload folder."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


@pytest.fixture
def hamburg(app, users):
    return signed_in(app, users["employee_ham"])


def receive_url(rma) -> str:
    return f"/returns/counter/receive/{rma.number}"


def receive(client, rma, **fields):
    line = ReturnLine.get(ReturnLine.return_order == rma.id)
    data = {f"condition-{line.id}": "damaged", **{
        name.replace("LINE", str(line.id)): value for name, value in fields.items()}}
    return post(client, receive_url(rma), data, page="/returns/counter")


def test_the_counter_finds_another_stores_announced_return_every_way(hamburg, shelf,
                                                                     stores, users):
    order, rma = announced_for(users, stores["BER"])

    for query in (rma.number, rma.number.lower(), order.number, "erika@example.com",
                  order.tracking_token, f"https://shop.example/track/{order.tracking_token}"):
        page = hamburg.get("/returns/counter", query_string={"q": query},
                           headers={"HX-Request": "true"}).get_data(as_text=True)
        assert 'id="found-returns"' in page and rma.number in page, query
        assert f'href="{receive_url(rma)}"' in page and "Receive here" in page
        assert "BER" in page and order.number in page

    assert rma.number not in hamburg.get("/returns/").get_data(as_text=True)
    assert hamburg.get(f"/returns/{rma.number}").status_code == 404


def test_hamburg_receives_a_return_announced_for_berlin_and_sees_its_photo(
        app, hamburg, shelf, stores, users, uploads):
    order, rma = announced_for(users, stores["BER"])
    page = hamburg.get(receive_url(rma)).get_data(as_text=True)
    assert "Announced for" in page and "BER · Berlin Mitte" in page
    assert "Taken back at HAM · Hamburg City." in page and 'name="store"' not in page

    response = receive(hamburg, rma, **{"note-LINE": "scuffed",
                                        "photos-LINE": files((jpeg_with_gps(), "dent.jpg"))})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/returns/counter/{rma.number}")
    received = ReturnOrder.get_by_id(rma.id)
    assert (received.status, received.location.code) == ("received", "HAM")
    assert received.announced_location.code == "BER"
    done = hamburg.get(response.headers["Location"]).get_data(as_text=True)
    photo = ReturnPhoto.get()
    url = f"/returns/{rma.number}/photos/{photo.id}.jpg"
    assert f'<img src="{url}"' in done and "announced for BER" in done
    assert "Put it aside for refurbishing" in done
    assert hamburg.get(url).status_code == 200
    assert Refund.select().where(Refund.status == "succeeded").count() == 1
    assert rma.number in hamburg.get("/returns/").get_data(as_text=True)  # Hamburg's now
    berlin = signed_in(app, users["employee"])
    detail = berlin.get(f"/returns/{rma.number}").get_data(as_text=True)
    assert "Receive and refund" not in detail and "BER → HAM" in detail
    assert signed_in(app, users["logistics"]).get(url).status_code == 404
    assert len(stored_files(uploads)) == 1


def test_the_counter_result_shows_the_photos_taken(app, shelf, stores, users, uploads):
    from tests.returns.conftest import delivered_order

    order = delivered_order(users, ("CAP-1", 1), sources={"CAP-1": "WH"})
    berlin = signed_in(app, users["employee"])
    response = post(berlin, "/returns/counter", {
        "order": order.number, "quantity-1": "1", "condition-1": "damaged",
        "photos-1": files((jpeg_with_gps(), "a.jpg"), (jpeg_with_gps(), "b.jpg"))},
        page="/returns/counter")

    done = berlin.get(response.headers["Location"]).get_data(as_text=True)
    rma = ReturnOrder.get()
    for photo in ReturnPhoto.select():
        assert f'<img src="/returns/{rma.number}/photos/{photo.id}.jpg"' in done
    assert 'alt="Photo 2 of line 1: CAP-1' in done


def test_an_employee_receives_at_their_own_store_whatever_the_form_says(hamburg, shelf,
                                                                        stores, users):
    _order, rma = announced_for(users, stores["BER"])

    receive(hamburg, rma, store="BER")

    assert ReturnOrder.get_by_id(rma.id).location.code == "HAM"


def test_a_manager_chooses_the_store(app, shelf, stores, users):
    _order, rma = announced_for(users, stores["BER"])
    manager = signed_in(app, users["manager"])
    page = manager.get(receive_url(rma)).get_data(as_text=True)
    assert 'name="store"' in page and '<option value="BER" selected' in page

    assert receive(manager, rma, store="WH").status_code == 400  # no store
    receive(manager, rma, store="HAM")

    assert ReturnOrder.get_by_id(rma.id).location.code == "HAM"


def test_a_return_received_elsewhere_meanwhile_is_refused_with_nothing_written(
        hamburg, shelf, stores, users):
    _order, rma = announced_for(users, stores["BER"])
    line = ReturnLine.get(ReturnLine.return_order == rma.id)
    receive_at_counter(rma, stores["BER"], {line.id: "new"}, users["employee"])

    response = receive(hamburg, rma)

    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f"Return {rma.number} was received at BER already." in page
    assert "Receive and refund" not in page and "Return details" not in page
    assert ReturnOrder.get_by_id(rma.id).location.code == "BER"
    assert StockMovement.select().where(StockMovement.kind == "return").count() == 1
    assert Refund.select().count() == 1


def test_a_parcel_on_its_way_shows_why_instead_of_the_form(hamburg, shelf, stores, users,
                                                          returns_wh):
    _order, rma = by_post(users)
    report(Shipment.get_by_id(rma.shipment_id), "in_transit", users["logistics"])

    search = hamburg.get("/returns/counter", query_string={"q": rma.number})
    page = hamburg.get(receive_url(rma)).get_data(as_text=True)

    assert "On its way back" in search.get_data(as_text=True)
    assert f'href="{receive_url(rma)}"' not in search.get_data(as_text=True)
    assert "on its way to WH already: it is received there." in page
    assert 'name="condition-' not in page
    assert receive(hamburg, rma).status_code == 409
    assert ReturnOrder.get_by_id(rma.id).status == "in_transit"


def test_bad_input_shows_the_form_again_and_changes_nothing(hamburg, shelf, stores, users):
    _order, rma = announced_for(users, stores["BER"])
    line = ReturnLine.get(ReturnLine.return_order == rma.id)

    response = post(hamburg, receive_url(rma), {f"note-{line.id}": "kept"},
                    page="/returns/counter")

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="condition-{line.id}-error"' in page and 'value="kept"' in page
    assert ReturnOrder.get_by_id(rma.id).status == "requested"


def test_who_may_open_the_counter_receive_page(app, shelf, stores, users):
    _order, rma = announced_for(users, stores["BER"])
    assert signed_in(app, users["logistics"]).get(receive_url(rma)).status_code == 403
    assert signed_in(app, users["employee"]).get(
        "/returns/counter/receive/RMA-2020-999999").status_code == 404
    _other, done = at_counter(users, stores["BER"], users["employee"])
    page = signed_in(app, users["employee"]).get(receive_url(done)).get_data(as_text=True)
    assert "was received at BER already" in page and "Return details" in page
