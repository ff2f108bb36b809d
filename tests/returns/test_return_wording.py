"""What the returns domain stores in English (restock reasons on lines, the ledger and
transfers; a transfer's replenishment token; the in-store refund note; the demo's restock
rule names) is shown in the reader's language."""

from __future__ import annotations

import pytest
from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.demo.loader import RESTOCK_RULES
from portal.returns import labels
from portal.returns.rules import create_rule
from portal.returns.transfers import create_transfer
from tests.returns.screens import at_counter


@pytest.fixture
def german_manager(as_role, users):
    User.update(language="de").where(User.id == users["manager"].id).execute()
    return as_role("manager")


def test_a_returned_line_shows_its_restock_reason_and_refund_note_in_german(
        german_manager, shelf, stores, users):
    _order, rma = at_counter(users, stores["BER"], users["employee"], condition="new")

    page = german_manager.get(f"/returns/{rma.number}").get_data(as_text=True)
    ledger = german_manager.get("/stock/ledger/?kind=return").get_data(as_text=True)

    assert "Neu, ungeöffnet" in page and "returned in new condition" not in page
    assert "Neu, ungeöffnet" in ledger and "returned in new condition" not in ledger
    # the clerk worked in English; the hand-back note is worded for the reader
    assert "in bar zurück" in page and "back to the customer in cash" not in page


def test_transfer_reasons_are_shown_in_german(german_manager, shelf, stores, users):
    create_transfer(stores["BER"], stores["HAM"], [(shelf["shoe"], 1)], users["manager"],
                    reason="replenishment 3f9a0c1d2e")
    create_transfer(stores["WH"], stores["BER"], [(shelf["cap"], 1)], users["manager"],
                    reason="RMA-2026-000007: returned in opened condition")

    page = german_manager.get("/returns/transfers").get_data(as_text=True)

    assert "Nachschub" in page and "3f9a0c1d2e" not in page
    assert "RMA-2026-000007: " in page and "Geöffnet, vollständig" in page
    assert "returned in opened condition" not in page


def test_a_seeded_rule_name_is_worded_until_it_is_renamed(german_manager, ctx,
                                                         monkeypatch):
    # "Refurbish" stands in for the seeded name's translation (translated already)
    monkeypatch.setitem(labels.SEEDED_RULE_NAMES, "Damaged → refurbish", _l("Refurbish"))
    create_rule({"name": "Damaged → refurbish", "conditions": ["damaged"],
                 "action": "refurbish"}, None)
    create_rule({"name": "Kaputt → Werkstatt", "conditions": ["damaged"],
                 "action": "scrap"}, None)

    page = german_manager.get("/returns/rules").get_data(as_text=True)

    assert "Aufbereiten</h3>" in page and "Damaged → refurbish" not in page
    assert "Kaputt → Werkstatt</h3>" in page


def test_every_seeded_restock_rule_name_has_a_label():
    assert {name for name, _conditions, _action in RESTOCK_RULES} <= set(
        labels.SEEDED_RULE_NAMES)
