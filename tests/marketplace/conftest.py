"""Stock the marketplace may sell, a marketplace on a local HTTP server, its order shape."""

from __future__ import annotations

import pytest

from portal.inventory import services as stock
from portal.marketplace.client import MarketplaceClient
from tests.inventory.conftest import make_product

TOKEN = "mp-test-token"


@pytest.fixture
def shelf(stores):
    """SNK-1..3 in the warehouse (sold on the marketplace), CAP-1 only in a store."""
    products = {sku: make_product(sku) for sku in ("SNK-1", "SNK-2", "SNK-3", "CAP-1")}
    for sku, units in (("SNK-1", 5), ("SNK-2", 3), ("SNK-3", 8)):
        stock.receive_stock(products[sku], stores["WH"], units)
    stock.receive_stock(products["CAP-1"], stores["BER"], 4)
    return products


@pytest.fixture
def sleeps() -> list[float]:
    """The pauses the client would have slept between tries."""
    return []


@pytest.fixture
def make_client(httpserver, sleeps):
    """``make_client(**settings)``: a client for the local server under /mp, no real sleep."""

    def build(**settings) -> MarketplaceClient:
        options = {"timeout": 2.0, "attempts": 3, "backoff": 0.5, "sleep": sleeps.append,
                   **settings}
        return MarketplaceClient(httpserver.url_for("/mp"), TOKEN, **options)

    return build


def mp_order(ref: str, *lines, created_at: str = "2026-03-01T10:00:00Z", **fields) -> dict:
    """A marketplace order as its API sends it."""
    order = {"id": ref, "created_at": created_at,
             "buyer": {"name": "Erika Mustermann", "email": "erika@example.com"},
             "shipping_address": {"street": "Unter den Linden 1", "postcode": "10117",
                                  "city": "Berlin", "country": "DE"},
             "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines]}
    return {**order, **fields}
