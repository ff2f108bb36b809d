"""The customer's language on orders: set through the API (422 for one the portal does
not speak), chosen at the counter (the counter's language unless the clerk picks
another), and shown on the order page."""

from __future__ import annotations

import pytest

from portal.auth.models import User
from portal.inventory.models import StockLevel
from portal.notifications.models import OutboxMessage
from portal.orders.models import Order
from portal.orders.services import place_order, transition_order
from portal.payments.models import Payment
from tests.conftest import csrf_token
from tests.orders.test_counter import goods, post  # noqa: F401 - the fixture, re-exported
from tests.orders.test_orders_api import BODY, shop  # noqa: F401 - the fixture, re-exported
from tests.orders.test_place_order import web_order


def confirmations() -> list[OutboxMessage]:
    return list(OutboxMessage.select().where(OutboxMessage.kind == "order_confirmed"))


# --- the API ---------------------------------------------------------------------------

def test_the_api_takes_the_customers_language_and_answers_it(shop):  # noqa: F811
    response = shop({**BODY, "language": "de"})

    assert response.status_code == 201, response.json
    assert response.json["language"] == "de"
    order = Order.get(Order.number == response.json["number"])
    assert order.language == "de"
    assert shop.get(f"/api/v1/orders/{order.number}").json["language"] == "de"


def test_without_a_language_the_api_order_speaks_the_portals_default(shop, app):  # noqa: F811
    app.config["BABEL_DEFAULT_LOCALE"] = "de"
    try:
        response = shop(BODY)
    finally:
        app.config["BABEL_DEFAULT_LOCALE"] = "en"

    assert response.status_code == 201 and response.json["language"] == "de"
    assert Order.get().language == "de"


@pytest.mark.parametrize("language", ["fr", "DE", "de-DE", "", 7, ["de"]])
def test_a_language_the_portal_does_not_speak_is_a_field_error_and_places_nothing(
        shop, language):  # noqa: F811
    response = shop({**BODY, "language": language})

    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "invalid" and set(error["fields"]) == {"language"}
    assert Order.select().count() == 0
    assert sum(level.reserved for level in StockLevel.select()) == 0


def test_the_openapi_document_names_the_languages(client):
    document = client.get("/api/v1/openapi.json").json
    schemas = document["components"]["schemas"]

    assert schemas["OrderIn"]["properties"]["language"]["enum"] == ["en", "de", None]
    assert schemas["OrderOut"]["properties"]["language"]["enum"] == ["en", "de"]
    assert "language" in schemas["OrderOut"]["required"]


# --- the counter -------------------------------------------------------------------------

@pytest.fixture
def clerk(as_role, users):
    """The Berlin employee, whose portal speaks German."""
    User.update(language="de").where(User.id == users["employee"].id).execute()
    client = as_role("employee")
    client.token = csrf_token(client, "/counter/")
    return client


def test_the_counter_offers_the_customers_language_defaulting_to_its_own(clerk, goods):  # noqa: F811
    page = clerk.get("/counter/").get_data(as_text=True)

    assert '<select id="language" name="language">' in page
    assert '<option value="de" lang="de" selected>Deutsch</option>' in page
    assert '<option value="en" lang="en" >English</option>' in page


def test_the_clerk_chooses_english_for_the_customer_and_the_confirmation_is_english(
        clerk, goods):  # noqa: F811
    post(clerk, "/counter/add", code="SNK-1")

    response = post(clerk, "/counter/checkout", delivery="carry_out", payment_method="cash",
                    customer_email="tourist@example.org", language="en")

    assert response.status_code == 302, response.get_data(as_text=True)
    order = Order.get()
    assert order.language == "en"
    [message] = confirmations()
    assert message.subject == f"Your order {order.number} is confirmed"
    assert "Total: €49.99" in message.text_body


def test_a_counter_form_without_the_choice_takes_the_counters_language(clerk, goods):  # noqa: F811
    post(clerk, "/counter/add", code="SNK-1")

    post(clerk, "/counter/checkout", delivery="carry_out", payment_method="cash",
         customer_email="kunde@example.org")

    order = Order.get()
    assert order.language == "de"
    assert confirmations()[0].subject == f"Ihre Bestellung {order.number} ist bestätigt"


def test_a_forged_language_at_the_counter_is_a_form_error_and_sells_nothing(
        clerk, goods):  # noqa: F811
    post(clerk, "/counter/add", code="SNK-1")

    response = post(clerk, "/counter/checkout", delivery="carry_out", payment_method="cash",
                    language="xx")

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="language-error"' in html and 'aria-invalid="true"' in html
    assert Order.select().count() == 0 and Payment.select().count() == 0
    assert "SNK-1" in clerk.get("/counter/").get_data(as_text=True)  # the basket stays


# --- the order page ----------------------------------------------------------------------

@pytest.mark.parametrize(("language", "shown"), [("de", "E-mails in German"),
                                                  ("en", "E-mails in English")])
def test_the_order_page_shows_the_customers_language(as_role, goods, language,  # noqa: F811
                                                      shown):
    order = place_order(web_order(("SNK-1", 1), language=language))
    client = as_role("manager")

    page = client.get(f"/orders/{order.number}").get_data(as_text=True)

    assert shown in page and 'id="customer-language"' in page


def test_an_order_from_before_shows_the_default_it_is_written_in(as_role, goods):  # noqa: F811
    order = place_order(web_order(("SNK-1", 1), language="de"))
    Order.update(language="").where(Order.id == order.id).execute()

    page = as_role("manager").get(f"/orders/{order.number}").get_data(as_text=True)

    assert "E-mails in English" in page


def test_the_api_orders_language_reaches_its_e_mails(shop):  # noqa: F811
    number = shop({**BODY, "language": "de"}).json["number"]

    transition_order(Order.get(Order.number == number), "confirmed")

    assert confirmations()[0].subject == f"Ihre Bestellung {number} ist bestätigt"
