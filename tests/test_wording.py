"""Stored texts shown in the reader's language (``portal.wording``): catalogue messages
recognised in either language with their parameters, a domain's codes, amounts of money,
and text typed by people left alone."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from portal.templating import actor_name
from portal.wording import Wording, amount_text, reword

PAID_EN = "Paid: Sandbox, reference sbx_123"
PAID_DE = "Bezahlt: Sandbox, Referenz sbx_123"


@pytest.fixture
def german(ctx):
    with force_locale("de"):
        yield


@pytest.fixture
def english(ctx):
    with force_locale("en"):
        yield


def test_an_english_message_is_shown_in_german(german):
    assert reword("handed over at the counter") == "an der Kasse übergeben"
    assert reword(PAID_EN) == PAID_DE
    assert reword("No rule can source the units BER rejected.") == (
        "Keine Regel kann die von BER abgelehnten Einheiten zuordnen.")


def test_a_german_message_is_shown_in_english(english):
    assert reword(PAID_DE) == PAID_EN
    assert reword("an der Kasse übergeben") == "handed over at the counter"


def test_an_amount_of_money_is_formatted_for_the_reader(german):
    worded = reword("Hand €1,234.50 back to the customer in cash.")

    assert worded == "Geben Sie der Kundschaft 1.234,50\xa0€ in bar zurück."
    assert amount_text("€12.50") == "12,50\xa0€"
    assert amount_text("12,50\xa0€") == "12,50\xa0€"
    assert amount_text("12.50") is None and amount_text("BER") is None


def test_a_parameter_that_is_a_message_is_worded_too(german):
    assert reword("Paid: In store, reference R-1") == "Bezahlt: In der Filiale, Referenz R-1"


def test_a_prefixed_message_keeps_its_prefix(german):
    assert reword("Nordwest A: Not a whole number.") == "Nordwest A: Keine ganze Zahl."


def test_typed_text_and_short_messages_are_left_alone(german):
    # "from %(location)s" is a message, but too short to take over a clerk's note
    assert reword("from the back room") == "from the back room"
    assert reword("Box torn, customer informed") == "Box torn, customer informed"
    assert reword("") == "" and reword(None) == ""


def test_a_domains_wording_comes_first(german):
    wordings = [Wording(r"to (?P<location>\S+)", _l("from %(location)s")),
                Wording(r"(?P<code>damage)", "%(code)s!", {"code": str.upper})]

    assert reword("to BER", wordings) == "aus BER"
    assert reword("damage", wordings) == "DAMAGE!"
    assert reword("RMA-1: to HAM", wordings) == "RMA-1: aus HAM"
    assert reword("to the back", wordings) == "to the back"


def test_actors_are_named_for_people(german):
    assert actor_name("system") == "System"
    assert actor_name("in_store") == "In der Filiale"
    assert actor_name("sandbox") == "Sandbox"
    assert actor_name("berlin@test.example") == "berlin@test.example"
    assert actor_name("") == ""
