"""A marketplace order speaks its buyer's language when the marketplace names one the
portal speaks (any region or spelling of the tag), else the portal's default; a language
we cannot write in never stops the sale."""

from __future__ import annotations

import pytest

from portal.marketplace.pull import take_order
from portal.notifications.models import OutboxMessage
from portal.orders.models import Order
from tests.marketplace.conftest import mp_order


def buyer(**fields) -> dict:
    return {"name": "Erika Mustermann", "email": "erika@example.com", **fields}


@pytest.mark.parametrize(("tag", "language"), [
    ("de", "de"), ("de-DE", "de"), ("de_AT", "de"), ("EN-gb", "en"), (" en ", "en"),
    ("fr-FR", "en"), ("", "en"), (None, "en"), (42, "en"), (["de"], "en"),
])
def test_the_buyers_language_becomes_the_orders_when_the_portal_speaks_it(
        ctx, shelf, tag, language):
    placed = take_order(mp_order("MP-1", ("SNK-1", 1), buyer=buyer(language=tag)))

    order = Order.get_by_id(placed.id)

    assert order.status == "confirmed" and order.language == language
    [message] = OutboxMessage.select().where(OutboxMessage.order == order.id)
    assert message.language == language


def test_without_a_language_the_order_speaks_the_default(app, ctx, shelf):
    app.config["BABEL_DEFAULT_LOCALE"] = "de"
    try:
        order = take_order(mp_order("MP-1", ("SNK-1", 1)))
    finally:
        app.config["BABEL_DEFAULT_LOCALE"] = "en"

    assert order.language == "de"
    [message] = OutboxMessage.select().where(OutboxMessage.order == order.id)
    assert message.subject == f"Ihre Bestellung {order.number} ist bestätigt"
