"""Orders to notify about, and the test app's in-memory mail backend."""

from __future__ import annotations

import pytest

from portal.inventory import services as stock
from portal.notifications.mail import mail_backend
from portal.notifications.models import OutboxMessage
from portal.orders.services import place_order
from tests.inventory.conftest import make_product
from tests.orders.test_place_order import web_order


@pytest.fixture
def mailbox(app):
    """The memory backend of the test app (MAIL_BACKEND = "memory"), emptied."""
    backend = mail_backend(app)
    backend.sent.clear()
    yield backend
    backend.sent.clear()


@pytest.fixture
def shoe(ctx, stores):
    product = make_product("SNK-1", name="Runner schwarz")
    stock.receive_stock(product, stores["BER"], 50)
    return product


@pytest.fixture
def order(shoe):
    """A web order for two pairs, waiting for its payment."""
    return place_order(web_order(("SNK-1", 2)))


def messages(**where) -> list[OutboxMessage]:
    query = OutboxMessage.select().order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return list(query)
