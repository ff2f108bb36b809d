"""Every customer e-mail speaks its order's language (the customer's), whatever the
portal's default, the request's or the clerk's language: subject, text, amounts, dates;
return e-mails speak the language of the return's order."""

from __future__ import annotations

import re

import pytest

from portal.notifications.services import deliver_outbox
from portal.orders.errors import OrderInvalid
from portal.orders.models import Order
from portal.orders.services import place_order, transition_order
from portal.returns.models import ReturnLine, ReturnOrder
from portal.returns.receiving import receive_return
from portal.returns.refunding import refund_return
from portal.returns.services import ReturnRequest, register_return
from tests.notifications.conftest import messages
from tests.orders.test_place_order import web_order
from tests.returns.conftest import delivered_order, returns_wh, shelf  # noqa: F401 - fixtures

ENGLISH_DATE = re.compile(r"Order date: [A-Z][a-z]{2} \d{1,2}, \d{4}")
GERMAN_DATE = re.compile(r"\d{2}\.\d{2}\.\d{4}")


@pytest.fixture
def default_language(app):
    """Set the portal's default language for one test: ``default_language("de")``."""
    before = app.config["BABEL_DEFAULT_LOCALE"]

    def switch(language: str) -> None:
        app.config["BABEL_DEFAULT_LOCALE"] = language

    yield switch
    app.config["BABEL_DEFAULT_LOCALE"] = before


def confirm(language: str = "", **fields) -> Order:
    order = place_order(web_order(("SNK-1", 2), language=language, **fields))
    transition_order(order, "confirmed")
    return order


def test_an_english_order_gets_an_english_confirmation_while_the_default_is_german(
        app, shoe, default_language):
    default_language("de")
    with app.test_request_context(headers={"Accept-Language": "de"}):
        order = confirm("en")

    [message] = messages()
    assert Order.get_by_id(order.id).language == "en" and message.language == "en"
    assert message.subject == f"Your order {order.number} is confirmed"
    text = message.text_body
    assert text.startswith("Hello Erika Mustermann,")
    assert "2 × Runner schwarz (SNK-1): €99.98" in text and "Total: €99.98" in text
    assert "Delivery: Home delivery" in text and "Kind regards" in text
    assert ENGLISH_DATE.search(text) and ENGLISH_DATE.search(message.html_body)
    assert "Hallo" not in text and "99,98" not in text
    assert "€99.98" in message.html_body and 'lang="en"' in message.html_body


def test_a_german_order_gets_a_german_confirmation_while_the_default_is_english(
        app, shoe, default_language):
    default_language("en")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        order = confirm("de")

    [message] = messages()
    assert Order.get_by_id(order.id).language == "de" and message.language == "de"
    assert message.subject == f"Ihre Bestellung {order.number} ist bestätigt"
    text = message.text_body
    assert text.startswith("Hallo Erika Mustermann,")
    assert "2 × Runner schwarz (SNK-1): 99,98\xa0€" in text and "Summe: 99,98\xa0€" in text
    assert "Lieferung nach Hause" in text and "Mit freundlichen Grüßen" in text
    assert GERMAN_DATE.search(text) and not ENGLISH_DATE.search(text)
    assert "Home delivery" not in text and "€99.98" not in text
    assert "99,98\xa0€" in message.html_body and 'lang="de"' in message.html_body


def test_an_order_without_a_language_takes_the_default_when_placed(shoe, default_language):
    default_language("de")
    order = confirm()

    assert Order.get_by_id(order.id).language == "de"
    assert messages()[0].subject.startswith("Ihre Bestellung")


def test_orders_from_before_the_migration_speak_the_portals_default(shoe, default_language):
    order = place_order(web_order(("SNK-1", 1), language="en"))
    Order.update(language="").where(Order.id == order.id).execute()  # as migrated
    default_language("de")

    transition_order(Order.get_by_id(order.id), "confirmed")

    [message] = messages()
    assert message.language == "de" and message.subject.startswith("Ihre Bestellung")


def test_a_language_the_portal_does_not_speak_is_refused_and_nothing_is_placed(shoe):
    with pytest.raises(OrderInvalid) as refused:
        place_order(web_order(("SNK-1", 1), language="fr"))

    assert set(refused.value.fields) == {"language"}
    assert Order.select().count() == 0 and messages() == []


def test_delivery_sends_each_message_in_its_orders_language(app, shoe, mailbox,
                                                           default_language):
    default_language("de")
    english, german = confirm("en"), confirm("de", customer_email="max@example.com")

    assert deliver_outbox().sent == 2

    sent = {email["To"]: email for email in mailbox.sent}
    assert sent["erika@example.com"]["Subject"] == f"Your order {english.number} is confirmed"
    assert sent["erika@example.com"]["Content-Language"] == "en"
    assert sent["max@example.com"]["Subject"] == f"Ihre Bestellung {german.number} ist bestätigt"
    assert sent["max@example.com"]["Content-Language"] == "de"
    assert sent["max@example.com"].get_body(("plain",)).get_content().startswith("Hallo")


def test_messages_queued_before_keep_the_language_they_were_rendered_in(shoe, mailbox,
                                                                       default_language):
    """A queued row is sent as it was rendered; a later change of the order's language
    (or of the default) does not touch it."""
    order = confirm("en")
    Order.update(language="de").where(Order.id == order.id).execute()
    default_language("de")

    deliver_outbox()

    [email] = mailbox.sent
    assert email["Subject"] == f"Your order {order.number} is confirmed"


def by_post(order, quantity=1) -> ReturnRequest:
    return ReturnRequest(order.number, [{"sku": "CAP-1", "quantity": quantity}],
                         reason="too small")


@pytest.mark.parametrize(("language", "registered", "refunded", "amount"), [
    ("de", "Ihre Retoure zur Bestellung", "Wir haben Ihre Retoure zur Bestellung",
     "Wir haben 49,99\xa0€"),
    ("en", "Your return for order", "We have refunded your return of order",
     "We have refunded €49.99"),
])
@pytest.mark.usefixtures("shelf", "returns_wh")
def test_return_mails_speak_the_language_of_the_returns_order(
        ctx, users, stores, default_language, language, registered, refunded, amount):
    default_language("en" if language == "de" else "de")  # never the order's by chance
    order = delivered_order(users, language=language)

    rma = register_return(by_post(order), None)
    line = ReturnLine.get(ReturnLine.return_order == rma.id)
    receive_return(rma, stores["WH"], {line.id: "new"}, None)
    refund_return(ReturnOrder.get_by_id(rma.id), None)

    mails = {m.kind: m for m in messages(order=order.id)}
    assert mails["return_registered"].subject.startswith(registered)
    assert mails["return_refunded"].subject.startswith(refunded)
    assert amount in mails["return_refunded"].text_body
    kinds = {"order_confirmed", "shipment_sent", "shipment_delivered", "return_registered",
             "return_refunded"}
    assert kinds <= set(mails)
    assert {mails[kind].language for kind in kinds} == {language}
