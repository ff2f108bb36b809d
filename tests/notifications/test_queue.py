"""Customer e-mails are queued in the transaction of the order change that causes them:
once per event, never for a rolled-back change, never without an address."""

from __future__ import annotations

import pytest

from portal.db import transaction
from portal.notifications import services
from portal.notifications.messages import STATUS_MESSAGES
from portal.notifications.services import queue_status_message
from portal.orders.errors import IllegalTransition
from portal.orders.models import Order
from portal.orders.services import cancel_order, place_order, transition_order
from portal.payments.services import (
    PaymentInvalid,
    apply_provider_event,
    record_in_store_payment,
    start_payment,
)
from tests.notifications.conftest import messages
from tests.orders.test_place_order import web_order


def test_a_paid_order_queues_one_confirmation_with_lines_total_delivery_and_link(
        order, users, app):
    record_in_store_payment(order, "cash", "", users["employee"])

    [message] = messages()
    assert (message.kind, message.recipient, message.status) == (
        "order_confirmed", "erika@example.com", "pending")
    assert message.order_id == order.id and message.language == "en"
    assert message.dedupe_key == f"order:{order.id}:order_confirmed"
    assert message.subject == f"Your order {order.number} is confirmed"
    text = message.text_body
    assert order.number in text and "Hello Erika Mustermann," in text
    assert "2 × Runner schwarz (SNK-1): €99.98" in text and "Total: €99.98" in text
    assert "Delivery: Home delivery" in text
    assert f"http://127.0.0.1:5000/track/{order.tracking_token}" in text
    assert "Unter den Linden" not in text and "\n\n\n" not in text  # no more than needed
    assert f'href="http://127.0.0.1:5000/track/{order.tracking_token}"' in message.html_body
    assert "<td>Runner schwarz (SNK-1)</td>" in message.html_body


def test_paying_twice_queues_one_confirmation(order, users):
    record_in_store_payment(order, "cash", "", users["employee"])
    with pytest.raises(PaymentInvalid):
        record_in_store_payment(Order.get_by_id(order.id), "cash", "", users["employee"])
    queue_status_message(Order.get_by_id(order.id), "confirmed")  # a replay reaching us

    assert len(messages(kind="order_confirmed")) == 1


def test_a_replayed_webhook_queues_one_confirmation(order):
    payment = start_payment(order, "sandbox")

    for event_id in ("evt_1", "evt_1", "evt_2"):  # the same event again, then another one
        apply_provider_event("sandbox", event_id, "payment.succeeded", payment.token,
                             {"id": event_id}, "sbx_ch_1")

    assert Order.get_by_id(order.id).status == "confirmed"
    assert len(messages()) == 1


def test_a_cancelled_order_queues_one_message_with_reason_and_refund_hint(order, users):
    cancel_order(order, users["manager"], "the customer asked us to")

    [message] = messages()
    assert message.kind == "order_cancelled"
    assert message.subject == f"Your order {order.number} has been cancelled"
    assert "Reason: the customer asked us to" in message.text_body
    assert "refunded to the payment method you used" in message.text_body
    assert "Reason: the customer asked us to" in message.html_body


def test_an_expired_order_is_told_the_reason_in_customer_words(order):
    cancel_order(order, None, "payment not received in time")

    assert "Reason: We did not receive the payment in time." in messages()[0].text_body


def test_a_rolled_back_change_queues_nothing(order):
    with pytest.raises(RuntimeError), transaction():
        transition_order(order, "confirmed")
        raise RuntimeError("something later in the same transaction failed")

    assert messages() == []
    assert Order.get_by_id(order.id).status == "pending_payment"


def test_a_lost_race_queues_nothing(order):
    stale = Order.get_by_id(order.id)
    cancel_order(order)

    with pytest.raises(IllegalTransition):
        transition_order(stale, "confirmed")  # the order was cancelled meanwhile

    assert [m.kind for m in messages()] == ["order_cancelled"]


def test_an_order_without_e_mail_queues_nothing(shoe, users):
    order = place_order(web_order(("SNK-1", 1), customer_email=""))

    record_in_store_payment(order, "cash", "", users["employee"])
    cancel_order(Order.get_by_id(order.id), users["manager"])

    assert messages() == []


def test_statuses_without_a_message_queue_nothing(order):
    transition_order(order, "confirmed")
    transition_order(order, "in_fulfilment")

    assert [m.kind for m in messages()] == ["order_confirmed"]


def test_the_message_speaks_the_portals_default_language_not_the_requests(app, shoe):
    with app.test_request_context(headers={"Accept-Language": "de"}):
        transition_order(place_order(web_order(("SNK-1", 1))), "confirmed")

    [message] = messages()
    assert message.language == "en"
    assert "Delivery: Home delivery" in message.text_body and "€49.99" in message.text_body


def test_german_default_renders_german_labels_and_amounts(app, shoe):
    app.config["BABEL_DEFAULT_LOCALE"] = "de"
    try:
        with app.test_request_context(headers={"Accept-Language": "en"}):
            transition_order(place_order(web_order(("SNK-1", 1))), "confirmed")
    finally:
        app.config["BABEL_DEFAULT_LOCALE"] = "en"

    [message] = messages()
    text = message.text_body
    assert message.language == "de"
    assert "49,99\xa0€" in text  # German number format
    assert "Home delivery" not in text  # the delivery label has a German translation


def test_the_tracking_link_uses_public_url_whatever_host_the_request_came_in_on(app, shoe):
    app.config["PUBLIC_URL"] = "https://shop.example.com/oms"
    try:
        with app.test_request_context(base_url="http://internal-host:8000"):
            order = place_order(web_order(("SNK-1", 1)))
            transition_order(order, "confirmed")
    finally:
        app.config["PUBLIC_URL"] = "http://127.0.0.1:5000"

    text = messages()[0].text_body
    assert f"https://shop.example.com/oms/track/{order.tracking_token}" in text
    assert "internal-host" not in text


def test_a_template_error_does_not_stop_the_order_and_shows_in_the_outbox(order, monkeypatch):
    def broken(*_args, **_kwargs):
        raise KeyError("missing variable")

    monkeypatch.setattr(services, "render_order_message", broken)

    transition_order(order, "confirmed")

    assert Order.get_by_id(order.id).status == "confirmed"
    [message] = messages()
    assert message.status == "failed" and "rendering failed" in message.last_error


def test_every_mapped_message_has_its_text_template(app):
    for kind in STATUS_MESSAGES.values():
        app.jinja_env.get_template(f"notifications/mail/{kind.name}.txt")


def test_customer_input_is_escaped_in_the_html_body(shoe):
    order = place_order(web_order(("SNK-1", 1), customer_name="<b>Eve</b> & Co"))
    transition_order(order, "confirmed")

    message = messages()[0]
    assert "&lt;b&gt;Eve&lt;/b&gt; &amp; Co" in message.html_body
    assert "Hello <b>Eve</b> & Co," in message.text_body  # plain text stays as typed


def test_a_click_and_collect_confirmation_names_the_pickup_store(shoe, stores):
    stores["BER"].street, stores["BER"].postcode = "Rosenthaler Str. 1", "10119"
    stores["BER"].save()
    order = place_order(web_order(("SNK-1", 1), delivery_method="click_collect",
                                  pickup_location="BER"))

    transition_order(order, "confirmed")

    text = messages()[0].text_body
    assert "Delivery: Click & Collect" in text
    assert "Pick-up store: Berlin Mitte, Rosenthaler Str. 1, 10119 Berlin" in text


def test_an_address_that_is_really_a_list_queues_nothing(shoe):
    order = place_order(web_order(("SNK-1", 1), customer_email="erika@example.com,x"))

    transition_order(order, "confirmed")

    assert messages() == []
