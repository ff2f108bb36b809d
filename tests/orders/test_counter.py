"""The store counter: in-store sales taken along, Order in Store from another location,
and that a failed checkout leaves nothing behind."""

from __future__ import annotations

import pytest

from portal.inventory import services as stock
from portal.inventory.ledger import check_levels
from portal.inventory.models import StockLevel, StockMovement
from portal.orders.models import Order, Reservation
from portal.payments.models import Payment
from tests.barcodes import decode_pdf
from tests.conftest import csrf_token, login
from tests.inventory.conftest import make_product


@pytest.fixture
def goods(ctx, stores):
    """SNK-1 on the shelf in Berlin; JKT-1 only in Hamburg and the warehouse."""
    snk = make_product("SNK-1", ean="4012345000017", name="Runner schwarz")
    jkt = make_product("JKT-1", name="Regenjacke")
    stock.receive_stock(snk, stores["BER"], 3)
    stock.receive_stock(jkt, stores["HAM"], 2)
    stock.receive_stock(jkt, stores["WH"], 9)
    return {"SNK-1": snk, "JKT-1": jkt}


@pytest.fixture
def clerk(as_role):
    client = as_role("employee")  # works in Berlin
    client.token = csrf_token(client, "/counter/")
    return client


def post(client, url, htmx=False, **data):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url, data={"csrf_token": client.token, **data}, headers=headers)


def level(product, location):
    return StockLevel.get(StockLevel.product == product, StockLevel.location == location)


def test_scanning_an_ean_adds_the_article_with_stock_here(clerk, goods):
    response = post(clerk, "/counter/add", htmx=True, code="4012345000017")

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "SNK-1" in html and "This store · 3 available" in html
    assert 'id="checkout-summary"' in html and "hx-swap-oob" in html  # pay button follows


def test_unknown_code_is_reported_and_changes_nothing(clerk, goods):
    html = post(clerk, "/counter/add", htmx=True, code="NOPE-9").get_data(as_text=True)

    assert "No article with SKU or EAN “NOPE-9”" in html
    assert "SNK-1" not in clerk.get("/counter/").get_data(as_text=True)


def test_lookup_suggests_by_name(clerk, goods):
    html = clerk.get("/counter/lookup?code=regen").get_data(as_text=True)

    assert "JKT-1" in html and "SNK-1" not in html


def test_missing_article_defaults_to_the_nearest_location_that_has_it(clerk, goods):
    html = post(clerk, "/counter/add", htmx=True, code="JKT-1").get_data(as_text=True)

    # Hamburg (255 km) is nearer to Berlin than the warehouse near Kassel (~330 km).
    assert '<option value="HAM" selected>' in html.replace("\n", "")
    assert "Order in Store" in html and "Central Warehouse (WH) · 9 available" in html


def test_in_store_sale_is_paid_handed_over_and_leaves_the_stock(clerk, goods, stores):
    post(clerk, "/counter/add", code="SNK-1", quantity="2")

    response = post(clerk, "/counter/checkout", delivery="carry_out", payment_method="cash")

    assert response.status_code == 302
    order = Order.get()
    assert response.headers["Location"].endswith(f"/counter/done/{order.number}")
    assert (order.channel, order.delivery_method, order.status) == ("store", "carry_out",
                                                                     "collected")
    assert order.store_id == stores["BER"].id and order.customer_name == "Walk-in customer"
    assert Payment.get().status == "authorized"
    berlin = level(goods["SNK-1"], stores["BER"])
    assert (berlin.on_hand, berlin.reserved) == (1, 0)
    assert StockMovement.select().where(StockMovement.kind == "sale").count() == 1
    assert check_levels() == []
    done = clerk.get(response.headers["Location"]).get_data(as_text=True)
    assert order.number in done and "took the goods along" in done
    assert "SNK-1" not in clerk.get("/counter/").get_data(as_text=True)  # basket emptied


def test_the_order_page_tells_a_counter_sale_in_words(clerk, goods):
    """The timeline note and the reservation's state read as words, not codes."""
    post(clerk, "/counter/add", code="SNK-1")
    post(clerk, "/counter/checkout", delivery="carry_out", payment_method="card_terminal",
         payment_reference="T-4711")

    page = clerk.get(f"/orders/{Order.get().number}").get_data(as_text=True)

    assert "BER × 1 (handed over)" in page and "handed_over" not in page
    assert "Paid: In store, reference T-4711" in page and "in_store" not in page
    assert "handed over at the counter" in page


def test_order_in_store_from_the_warehouse_for_pickup_here(clerk, goods, stores):
    post(clerk, "/counter/add", code="JKT-1")
    post(clerk, "/counter/lines/JKT-1", source="WH")

    response = post(clerk, "/counter/checkout", delivery="click_collect",
                    customer_name="Mia Kunde", customer_email="mia@example.org",
                    payment_method="card_terminal", payment_reference="T-4711")

    assert response.status_code == 302, response.get_data(as_text=True)
    order = Order.get()
    assert (order.channel, order.status, order.pickup_location_id) == (
        "order_in_store", "confirmed", stores["BER"].id)
    reservation = Reservation.get()
    assert (reservation.location_id, reservation.quantity, reservation.status) == (
        stores["WH"].id, 1, "active")
    assert level(goods["JKT-1"], stores["WH"]).reserved == 1
    assert Payment.get().provider_reference == "T-4711"


def test_order_in_store_home_delivery_needs_an_address(clerk, goods):
    post(clerk, "/counter/add", code="JKT-1")

    response = post(clerk, "/counter/checkout", delivery="home", customer_name="Mia Kunde",
                    payment_method="cash")

    assert response.status_code == 422
    assert "Required for delivery." in response.get_data(as_text=True)
    assert Order.select().count() == 0 and Reservation.select().count() == 0


def test_articles_from_elsewhere_cannot_be_taken_along(clerk, goods):
    post(clerk, "/counter/add", code="JKT-1")

    response = post(clerk, "/counter/checkout", delivery="carry_out", payment_method="cash")

    assert response.status_code == 422
    assert "cannot be taken along" in response.get_data(as_text=True)
    assert Order.select().count() == 0


def test_card_payment_without_receipt_number_places_nothing(clerk, goods, stores):
    post(clerk, "/counter/add", code="SNK-1")

    response = post(clerk, "/counter/checkout", delivery="carry_out",
                    payment_method="card_terminal", payment_reference=" ")

    assert response.status_code == 422
    assert "receipt number" in response.get_data(as_text=True)
    assert Order.select().count() == 0 and Payment.select().count() == 0
    assert level(goods["SNK-1"], stores["BER"]).reserved == 0


def test_stock_gone_meanwhile_refuses_the_sale_and_keeps_the_basket(clerk, goods, stores):
    post(clerk, "/counter/add", code="SNK-1", quantity="3")
    stock.adjust_stock(goods["SNK-1"], stores["BER"], -2, reason="damage")

    response = post(clerk, "/counter/checkout", delivery="carry_out", payment_method="cash")

    assert response.status_code == 422
    assert "Only 1 of SNK-1 available at BER" in response.get_data(as_text=True)
    assert Order.select().count() == 0 and check_levels() == []
    assert "SNK-1" in clerk.get("/counter/").get_data(as_text=True)


def test_quantity_change_remove_and_bad_source(clerk, goods):
    post(clerk, "/counter/add", code="SNK-1")
    html = post(clerk, "/counter/lines/SNK-1", htmx=True, quantity="2").get_data(as_text=True)
    assert 'value="2"' in html

    bad = post(clerk, "/counter/lines/SNK-1", htmx=True, source="XYZ").get_data(as_text=True)
    assert "XYZ has no units of SNK-1" in bad

    gone = post(clerk, "/counter/lines/SNK-1", htmx=True, remove="1").get_data(as_text=True)
    assert "SNK-1" not in gone and "Scan or type an article" in gone


def test_logistics_cannot_sell_and_employees_stay_in_their_store(app, users, goods):
    logistics = app.test_client()
    login(logistics, users["logistics"])
    assert logistics.get("/counter/").status_code == 403
    clerk = app.test_client()
    login(clerk, users["employee"])
    token = csrf_token(clerk, "/counter/")
    assert clerk.post("/counter/store", data={"csrf_token": token, "store": "HAM"}
                      ).status_code == 400


def test_manager_sells_for_a_chosen_store(as_role, goods, stores):
    manager = as_role("manager")
    token = csrf_token(manager, "/counter/")
    manager.post("/counter/store", data={"csrf_token": token, "store": "HAM"})

    html = manager.post("/counter/add", data={"csrf_token": token, "code": "JKT-1"},
                        headers={"HX-Request": "true"}).get_data(as_text=True)

    assert "This store · 2 available" in html


def test_confirmation_pdf_carries_a_scannable_order_number(clerk, goods, tmp_path):
    post(clerk, "/counter/add", code="SNK-1")
    post(clerk, "/counter/checkout", delivery="carry_out", payment_method="cash")
    order = Order.get()

    response = clerk.get(f"/counter/confirmation/{order.number}.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    decoded = decode_pdf(response.data, tmp_path)
    assert f"CODE-128:{order.number}" in decoded
    assert f"QR-Code:http://localhost/track/{order.tracking_token}" in decoded


def test_other_stores_cannot_open_the_confirmation(app, clerk, users, goods):
    post(clerk, "/counter/add", code="SNK-1")
    post(clerk, "/counter/checkout", delivery="carry_out", payment_method="cash")
    number = Order.get().number

    other = app.test_client()
    login(other, users["employee_ham"])

    assert other.get(f"/counter/confirmation/{number}.pdf").status_code == 404
    assert other.get(f"/counter/done/{number}").status_code == 404


def test_the_confirmation_speaks_the_customers_language_whoever_prints_it(clerk, goods,
                                                                         tmp_path):
    from tests.shipping.scan import pdf_text

    post(clerk, "/counter/add", code="SNK-1")
    post(clerk, "/counter/checkout", delivery="carry_out", payment_method="cash",
         language="de")
    order = Order.get()
    assert order.language == "de"

    text = pdf_text(clerk.get(f"/counter/confirmation/{order.number}.pdf").data, tmp_path)

    assert "Bestellbestätigung" in text and "Order confirmation" not in text
