"""The counter return screen: finding an order by number, e-mail, token or tracking URL
(bought online too), taking units back at the clerk's store (the manager's choice),
what to do with each article and what to hand back, a refused refund with its retry,
and bad input shown again with nothing written."""

from __future__ import annotations

import pytest

from portal.inventory.ledger import check_levels
from portal.inventory.models import StockMovement
from portal.orders.models import Order
from portal.orders.services import place_order
from portal.payments import providers
from portal.payments.models import Refund
from portal.payments.providers import RefundResult
from portal.payments.services import apply_provider_event, start_payment
from portal.payments.status import RefundStatus
from portal.returns.models import RestockRule, ReturnLine, ReturnOrder, TransferOrder
from portal.shipping.tracking import report
from tests.fulfilment.conftest import level, paid_order
from tests.orders.test_place_order import web_order
from tests.returns.conftest import delivered_order
from tests.returns.screens import post, refuse_refunds, signed_in
from tests.returns.test_restock import sold_at
from tests.shipping.shipped import ship


@pytest.fixture
def order(users, shelf):
    """Two caps bought online (shipped from WH, delivered), paid in cash."""
    return delivered_order(users, ("CAP-1", 2), sources={"CAP-1": "WH"})


@pytest.fixture
def berlin(app, users):
    return signed_in(app, users["employee"])


def take_back(client, order, **fields):
    data = {"order": order.number, "quantity-1": "1", "condition-1": "new",
            "reason-1": "too big", **fields}
    return post(client, "/returns/counter", data, page="/returns/counter")


def test_an_order_is_found_by_number_digits_email_token_and_tracking_url(berlin, order):
    for query in (order.number, order.number.lower(), str(order.id), "ERIKA@example.com",
                  order.tracking_token, f"http://shop.example/track/{order.tracking_token}"):
        page = berlin.get("/returns/counter", query_string={"q": query}).get_data(as_text=True)
        assert order.number in page, query
        assert f"/returns/counter?order={order.number}" in page
    assert "No order with this number" in berlin.get(
        "/returns/counter?q=erika").get_data(as_text=True)  # exact matches only
    fragment = berlin.get(f"/returns/counter?q={order.number}", headers={"HX-Request": "true"})
    assert "<h1>" not in fragment.get_data(as_text=True)


def test_an_order_not_delivered_yet_cannot_be_taken_back(berlin, shelf):
    unshipped = paid_order(("CAP-1", 1))
    page = berlin.get(f"/returns/counter?q={unshipped.number}").get_data(as_text=True)
    assert "Not returnable yet" in page and "?order=" not in page
    page = berlin.get(f"/returns/counter?order={unshipped.number}").get_data(as_text=True)
    assert "cannot be taken back" in page and 'name="quantity-1"' not in page


def test_the_chosen_order_offers_what_is_left(berlin, order):
    page = berlin.get(f"/returns/counter?order={order.number}").get_data(as_text=True)
    assert 'name="quantity-1"' in page and 'max="2"' in page
    assert '<label for="quantity-1"' in page and '<label for="condition-1"' in page
    assert "Taken back at BER" in page and 'name="store"' not in page


def test_a_web_order_is_taken_back_at_the_store_and_refunded(berlin, order, shelf, stores):
    response = take_back(berlin, order)

    rma = ReturnOrder.get()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/returns/counter/{rma.number}")
    assert (rma.status, rma.location.code, rma.created_via) == ("received", "BER", "counter")
    assert ReturnLine.get().reason == "too big"
    assert level(shelf["cap"], stores["BER"]) == (1, 0)
    page = berlin.get(response.headers["Location"]).get_data(as_text=True)
    assert rma.number in page and "Put it back on the shelf here" in page
    assert "back to the customer in cash" in page and "Retry refund" not in page
    page = berlin.get(f"/returns/counter?order={order.number}").get_data(as_text=True)
    assert 'max="1"' in page  # one of two is back
    assert check_levels() == []



def test_a_card_payment_goes_back_by_its_provider_with_nothing_to_hand_over(
        berlin, shelf, users, monkeypatch):
    order = place_order(web_order(("CAP-1", 2), sources={"CAP-1": "WH"}))
    payment = start_payment(order, "sandbox")
    apply_provider_event("sandbox", "evt_paid", "payment.succeeded", payment.token, {}, "ch_1")
    for shipment in ship(Order.get_by_id(order.id), users["logistics"]):
        report(shipment, "delivered", users["logistics"])
    monkeypatch.setattr(providers.providers()["sandbox"], "refund",
                        lambda payment, refund: RefundResult("re_9", RefundStatus.PENDING))

    response = take_back(berlin, order)

    page = berlin.get(response.headers["Location"]).get_data(as_text=True)
    assert ("€49.99 is on its way back to the customer's original payment (Sandbox): "
            "nothing to hand over.") in page.replace("&#39;", "'")
    assert "in cash" not in page and "went back" not in page

def test_an_article_needed_elsewhere_is_sent_on_with_its_transfer(berlin, order, shelf,
                                                                  stores):
    RestockRule.create(position=1, name="to where it sells", action="transfer")
    sold_at(shelf["cap"], stores["HAM"], 2)

    page = berlin.get(take_back(berlin, order).headers["Location"]).get_data(as_text=True)

    transfer = TransferOrder.get()
    assert "Send it to HAM" in page and transfer.number in page


def test_a_manager_chooses_the_store(app, users, order):
    manager = signed_in(app, users["manager"])
    page = manager.get(f"/returns/counter?order={order.number}").get_data(as_text=True)
    assert 'name="store"' in page

    take_back(manager, order, store="HAM")

    assert ReturnOrder.get().location.code == "HAM"
    assert take_back(manager, order, store="WH").status_code == 400  # no store


def test_more_than_is_left_is_refused_with_nothing_written(berlin, order):
    response = take_back(berlin, order, **{"quantity-1": "3"})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "At most 2 can still be returned." in page and 'id="quantity-1-error"' in page
    assert 'value="3"' in page  # the form keeps what was typed
    assert ReturnOrder.select().count() == 0 and Refund.select().count() == 0
    assert StockMovement.select().where(StockMovement.kind == "return").count() == 0


@pytest.mark.parametrize("fields,message", [
    ({"quantity-1": "0"}, "Enter how many units of at least one article come back."),
    ({"quantity-1": ""}, "Enter how many units of at least one article come back."),
    ({"quantity-1": "two"}, "A whole number from 0 to 2."),
    ({"condition-1": ""}, "Choose the article&#39;s condition."),
])
def test_bad_input_shows_the_form_again(berlin, order, fields, message):
    response = take_back(berlin, order, **fields)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert ReturnOrder.select().count() == 0


def test_a_refused_refund_shows_the_return_and_a_retry(berlin, order, monkeypatch):
    refuse_refunds(monkeypatch)
    response = take_back(berlin, order)
    rma = ReturnOrder.get()
    assert response.headers["Location"].endswith(f"/returns/counter/{rma.number}")
    page = berlin.get(response.headers["Location"]).get_data(as_text=True)
    assert "The refund failed: The provider is down." in page and "Retry refund" in page
    assert rma.status == "received"
    monkeypatch.undo()

    retry = post(berlin, f"/returns/{rma.number}/refund",
                 {"next": f"/returns/counter/{rma.number}"})

    page = berlin.get(retry.headers["Location"]).get_data(as_text=True)
    assert "back to the customer in cash" in page and "Retry refund" not in page
    assert [r.status for r in Refund.select().order_by(Refund.id)] == ["failed", "succeeded"]


def test_the_counter_needs_a_csrf_token_and_a_counter_role(app, berlin, order, users):
    response = berlin.post("/returns/counter", data={"order": order.number, "quantity-1": "1",
                                                     "condition-1": "new"})
    assert response.status_code == 400 and ReturnOrder.select().count() == 0
    logistics = signed_in(app, users["logistics"])
    assert logistics.get("/returns/counter").status_code == 403
    assert berlin.get("/returns/counter?order=OMS-1999-000001").status_code == 404


def test_the_counter_speaks_german(app, users, order):
    users["employee"].language = "de"
    users["employee"].save()
    client = signed_in(app, users["employee"])
    page = client.get(f"/returns/counter?order={order.number}").get_data(as_text=True)
    assert '<html lang="de">' in page and ">Bestellungen</a>" in page
