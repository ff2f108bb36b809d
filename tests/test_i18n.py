"""German and English UI: per user, switchable, and a complete German catalogue."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from portal.auth.models import User
from tests.conftest import csrf_token

CATALOGUE = Path(__file__).resolve().parent.parent / "portal/translations/de/LC_MESSAGES"


def test_every_message_has_a_german_translation():
    with open(CATALOGUE / "messages.po", "rb") as handle:
        catalog = read_po(handle)

    missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]

    assert missing == []
    assert (CATALOGUE / "messages.mo").exists(), "run make translations"


def test_anonymous_visitor_switches_to_german(client):
    response = client.post("/language", data={"language": "de", "next": "/login",
                                              "csrf_token": csrf_token(client)})

    assert response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="de">' in page
    assert "Anmelden" in page


def test_browser_language_is_the_default(client):
    page = client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(
        as_text=True)

    assert '<html lang="de">' in page


def test_a_users_language_is_remembered(as_role, users, app):
    client = as_role("manager")
    client.post("/language", data={"language": "de", "next": "/",
                                   "csrf_token": csrf_token(client, "/")})

    assert User.get_by_id(users["manager"].id).language == "de"
    page = client.get("/").get_data(as_text=True)
    assert "Abmelden" in page


def test_an_unknown_language_is_ignored(as_role, users):
    client = as_role("manager")
    client.post("/language", data={"language": "xx", "csrf_token": csrf_token(client, "/")})

    assert User.get_by_id(users["manager"].id).language == "en"


def test_german_employee_sees_german_numbers(as_role, users):
    User.update(language="de").where(User.id == users["employee"].id).execute()
    page = as_role("employee").get("/").get_data(as_text=True)

    assert "Abmelden" in page
