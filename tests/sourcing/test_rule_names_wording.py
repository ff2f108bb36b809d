"""The names of the seeded sourcing rules (built in, and the demo's first version) and the
demo version's note are data a manager may change; while they still say what was seeded
they are shown in the reader's language, a renamed rule as its manager typed it."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.demo import data as demo
from portal.sourcing import labels, services
from portal.sourcing.checks import check_rules
from portal.sourcing.rules import rule_from_dict


@pytest.fixture
def german_manager(as_role, users):
    User.update(language="de").where(User.id == users["manager"].id).execute()
    return as_role("manager")


@pytest.fixture
def worded_seed(monkeypatch):
    """Stand-ins for the seeded names' translations that the catalogue has already."""
    monkeypatch.setitem(labels.SEEDED_RULE_NAMES, "Supplier drop-ship", _l("Suppliers"))
    monkeypatch.setitem(labels.SEEDED_NOTES, "Demo rules", _l("Sourcing rules"))


def test_every_seeded_rule_name_has_a_label():
    seeded = {rule["name"] for rule in services.DEFAULT_RULES + demo.SOURCING_RULES}

    assert seeded <= set(labels.SEEDED_RULE_NAMES)
    assert all(str(label) == name for name, label in labels.SEEDED_RULE_NAMES.items())


def test_the_built_in_rules_are_named_in_german(german_manager, worded_seed):
    page = german_manager.get("/sourcing/defaults").get_data(as_text=True)

    assert "Lieferanten</h3>" in page and "Supplier drop-ship<" not in page


def test_a_seeded_version_shows_its_names_note_and_author_in_german(german_manager, ctx,
                                                                     worded_seed):
    rules = [dict(rule) for rule in services.DEFAULT_RULES]
    rules[0]["name"] = "Abholung in der Filiale"  # renamed by a manager
    ruleset = services.publish_new_version(rules, None, note="Demo rules")

    page = german_manager.get(f"/sourcing/{ruleset.version}").get_data(as_text=True)
    versions = german_manager.get("/sourcing/").get_data(as_text=True)

    assert "Lieferanten</h3>" in page and "Abholung in der Filiale</h3>" in page
    assert "Sourcing-Regeln · " in page and "Demo rules" not in page
    assert "erstellt von System am" in page
    assert "Demo rules" not in versions and "system" not in versions


def test_the_checks_name_seeded_rules_in_the_readers_words(ctx, worded_seed):
    drop_ship = rule_from_dict(services.DEFAULT_RULES[2])
    with force_locale("de"):
        problems = check_rules([drop_ship, drop_ship])

    assert any(p.message.startswith("„Lieferanten“ ist unerreichbar: „Lieferanten“")
               for p in problems)
