"""Ledger reasons are stored as the services write them (English codes like ``count:
shelf A`` or ``from BER``) and shown in the reader's language; the CSV export keeps them."""

from __future__ import annotations

from datetime import date

import pytest

from portal.auth.models import User
from portal.db import utcnow
from portal.inventory import services
from portal.inventory.models import StockMovement
from portal.inventory.status import IncomingSource
from tests.inventory.conftest import make_product

LEDGER = "/stock/ledger/"


@pytest.fixture
def german_manager(as_role, users):
    User.update(language="de").where(User.id == users["manager"].id).execute()
    return as_role("manager")


@pytest.fixture
def moved(ctx, stores, users):
    """One movement of each kind a clerk or the system writes a reason for."""
    product = make_product("SNK-1")
    berlin, hamburg = stores["BER"], stores["HAM"]
    clerk = users["employee"]
    services.receive_stock(product, berlin, 10, user=clerk, reason="Lieferschein fehlt")
    services.adjust_stock(product, berlin, -1, "damage", user=clerk, note="Karton nass")
    services.count_stock(product, berlin, 7, user=clerk, note="Regal A")
    services.set_safety_stock(product, berlin, 2, user=clerk)
    services.move_stock(product, berlin, hamburg, 2)
    incoming = services.add_incoming(product, hamburg, 3, date.today(),
                                     IncomingSource.SUPPLIER_ORDER, "PO-1")
    services.receive_incoming(incoming)
    # A row as an older version (and the feed import's set-based statement) wrote it.
    StockMovement.create(at=utcnow(), product=product, location=hamburg, kind="feed_sync",
                         on_hand_delta=1, reason="feed Nordkap: stock.csv", reference="FEED-1")
    return product


def test_ledger_reasons_are_shown_in_german(german_manager, moved):
    page = german_manager.get(LEDGER).get_data(as_text=True)

    assert '<html lang="de">' in page
    assert "Beschädigt: Karton nass" in page and "damage: Karton nass" not in page
    assert "Inventur: Regal A" in page and "count: Regal A" not in page
    assert "aus BER" in page and "from BER" not in page
    assert "safety stock 0 → 2" not in page
    assert "incoming #" not in page
    assert "<td>feed Nordkap: stock.csv</td>" not in page and "Nordkap: stock.csv" in page
    assert "Lieferschein fehlt" in page  # typed by a person: as typed


def test_the_product_page_words_its_movements_too(german_manager, moved):
    page = german_manager.get("/stock/products/SNK-1").get_data(as_text=True)

    assert "Inventur: Regal A" in page and "count: Regal A" not in page


def test_the_csv_export_keeps_the_stored_reasons(german_manager, moved):
    text = german_manager.get(LEDGER + "export.csv").get_data().decode("utf-8")

    assert "count: Regal A" in text and "from BER" in text and "damage: Karton nass" in text


def test_english_readers_see_the_labels_in_english(as_role, moved):
    page = as_role("manager").get(LEDGER).get_data(as_text=True)

    assert "Damaged: Karton nass" in page and "Stock count: Regal A" in page
    assert "from BER" in page and "Safety stock 0 → 2" in page
    assert "Supplier feed Nordkap: stock.csv" in page
