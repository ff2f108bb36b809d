"""Audit actions are shown in words (the stored code beside them, for the filter), and
every action the portal records has its wording."""

from __future__ import annotations

import re
from pathlib import Path

from portal.audit.labels import ACTION_LABELS, OBJECT_LABELS, action_label
from portal.auth.models import User

PORTAL = Path(__file__).resolve().parents[1] / "portal"
CODE = re.compile(r'record_audit\([^,]+,\s*(?:f?"([a-z_{}.]+)")(?:\s+if[^"]+else\s+"([a-z_.]+)")?')


def recorded_actions() -> set[str]:
    """The action codes the source passes to ``record_audit``; an f-string's ``{kind}``
    stands for each import kind."""
    found = set()
    for path in PORTAL.rglob("*.py"):
        text = " ".join(path.read_text(encoding="utf-8").split())
        for codes in CODE.findall(text):
            for code in filter(None, codes):
                found.update(code.replace("{preview.kind}", kind) for kind in
                             ("products", "locations", "stock")) if "{" in code \
                    else found.add(code)
    return found


def test_every_recorded_action_has_its_wording():
    actions = recorded_actions()
    assert len(actions) >= 25  # the scan finds the calls
    assert actions <= set(ACTION_LABELS), sorted(actions - set(ACTION_LABELS))
    assert action_label("something.new") == "something.new"


def test_the_audit_log_shows_actions_in_the_readers_language(as_role, users):
    User.update(language="de").where(User.id == users["admin"].id).execute()
    page = as_role("admin").get("/admin/audit?action=user.created").get_data(as_text=True)

    assert "Benutzer angelegt" in page and "user.created" in page
    assert '<span class="object-type">Benutzer</span>' in page


def test_every_audited_object_kind_has_its_wording():
    from portal.db import all_models

    audited = {"ApiKey", "ChannelBuffer", "IncomingStock", "JobRun", "JobSetting",
               "Location", "OutboxMessage", "RestockRule", "RuleSet", "Supplier",
               "SupplierFeed", "User"}
    assert audited <= {model.__name__ for model in all_models()}
    assert {name.lower() for name in audited} <= set(OBJECT_LABELS)
