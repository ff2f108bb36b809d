"""The order page words what the system stored in English (timeline notes, who acted,
the attention note, refund notes and reasons, sourcing decisions) in the reader's
language; rows written by older versions read the same."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from portal.auth.models import User
from portal.db import utcnow
from portal.inventory import services as stock
from portal.orders.models import Order, OrderEvent
from portal.orders.services import place_order
from portal.payments.expiry import expire_unpaid_orders
from portal.payments.models import Payment, Refund
from portal.sourcing.models import SourcingDecision
from tests.inventory.conftest import make_product
from tests.orders.test_place_order import web_order


@pytest.fixture
def german_manager(as_role, users):
    User.update(language="de").where(User.id == users["manager"].id).execute()
    return as_role("manager")


@pytest.fixture
def order(ctx, stores):
    stock.receive_stock(make_product("SNK-1"), stores["BER"], 5)
    return place_order(web_order(("SNK-1", 1)))


def _event(order, kind, note, actor="system", to_status=""):
    OrderEvent.create(order=order, kind=kind, actor=actor, note=note, to_status=to_status)


def test_old_english_notes_are_shown_in_german(german_manager, order):
    _event(order, "status", "Paid: Sandbox, reference sbx_1", actor="sandbox",
           to_status="confirmed")
    _event(order, "status", "handed over at the counter", actor="berlin@test.example",
           to_status="collected")
    Order.update(attention="No sourcing rule can fulfil this order.").where(
        Order.id == order.id).execute()

    page = german_manager.get(f"/orders/{order.number}").get_data(as_text=True)

    assert "Bezahlt: Sandbox, Referenz sbx_1" in page and "Paid: Sandbox" not in page
    assert "an der Kasse übergeben" in page and "handed over at the counter" not in page
    assert "Keine Sourcing-Regel kann diese Bestellung erfüllen." in page
    assert "No sourcing rule can fulfil this order." not in page
    assert "· sandbox<" not in page and "· System<" in page  # who acted, by name
    assert "berlin@test.example" in page


def test_a_refund_note_in_the_clerks_english_is_shown_in_german(german_manager, order):
    payment = Payment.create(order=order, provider="in_store", method="cash",
                             amount=Decimal("49.99"), status="refunded", token="t-1")
    Refund.create(payment=payment, amount=Decimal("1234.50"), status="succeeded",
                  reason="order cancelled", idempotency_key="k-1", actor="system",
                  note="Hand €1,234.50 back to the customer in cash.")
    _event(order, "refund", "€1,234.50 · Refund pending · In store · in-store-refund-1 · "
           "order cancelled")

    page = german_manager.get(f"/orders/{order.number}").get_data(as_text=True)

    assert "Geben Sie der Kundschaft 1.234,50\xa0€ in bar zurück." in page
    assert ("1.234,50\xa0€ · Erstattung läuft · In der Filiale · in-store-refund-1 · "
            "Bestellung storniert") in page
    assert "Hand €1,234.50" not in page and "order cancelled" not in page


def test_a_cancellation_by_the_system_is_not_shown_as_its_code(german_manager, order):
    Order.update(reserved_until=utcnow() - timedelta(minutes=1)).where(
        Order.id == order.id).execute()
    assert expire_unpaid_orders() == 1

    page = german_manager.get(f"/orders/{order.number}").get_data(as_text=True)

    assert "Storniert" in page
    assert "payment not received in time" not in page  # the stored code


def test_a_sourcing_decision_words_why_it_was_made(german_manager, order):
    SourcingDecision.create(order=order, version=None, rule_name="", reason="sourced again")

    page = german_manager.get(f"/orders/{order.number}").get_data(as_text=True)

    assert "Neu zugeordnet" in page and "sourced again" not in page
