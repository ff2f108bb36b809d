"""Logging in and out, throttling, CSRF and session cookies."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.auth.models import ApiKey, LoginFailure, User
from portal.auth.services import set_password, update_user
from portal.db import utcnow
from portal.urls import safe_next
from tests.conftest import PASSWORD, csrf_token, csrf_token_from, login

REQUEST_ID_INPUT = re.compile(r'name="request_id" type="hidden" value="([^"]+)"')


def test_login_success_lands_on_dashboard(client, users):
    response = login(client, users["manager"])

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Overview" in page and "Manager" in page
    assert User.get_by_id(users["manager"].id).last_login_at is not None


def test_login_with_wrong_password_is_refused_and_recorded(client, users):
    response = login(client, users["manager"], password="wrong-password")

    assert response.status_code == 401
    assert "E-mail or password is wrong." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still anonymous
    assert LoginFailure.select().where(LoginFailure.email == "manager@test.example").count() == 1


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client, users):
    response = login(client, "nobody@test.example", password="whatever-it-is")

    assert response.status_code == 401
    assert "E-mail or password is wrong." in response.get_data(as_text=True)


def test_inactive_user_cannot_log_in(client, users):
    User.update(active=False).where(User.id == users["logistics"].id).execute()

    assert login(client, users["logistics"]).status_code == 401


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, users, app):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert login(client, users["admin"], password="guess-guess").status_code == 401

    response = login(client, users["admin"], password=PASSWORD)

    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_success_clears_earlier_failures(client, users):
    login(client, users["admin"], password="guess-guess")
    assert login(client, users["admin"]).status_code == 302
    assert LoginFailure.select().count() == 0


def test_malformed_login_form_is_a_400_with_field_errors(client, users):
    response = client.post("/login", data={"email": "", "csrf_token": csrf_token(client)})

    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)


def test_logout_ends_the_session(client, users):
    login(client, users["admin"])
    token = csrf_token(client, "/")

    response = client.post("/logout", data={"csrf_token": token})

    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_post_without_csrf_token_is_rejected(client, users):
    response = client.post("/login", data={"email": users["admin"].email, "password": PASSWORD})

    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not logged in


def test_htmx_post_without_csrf_header_is_rejected_and_with_it_accepted(client, as_role):
    as_role("admin")
    headers = {"HX-Request": "true"}
    page = client.get("/admin/api-keys").get_data(as_text=True)
    data = {"name": "WMS", "scopes": ["fulfillments"],
            "request_id": REQUEST_ID_INPUT.search(page).group(1)}

    refused = client.post("/admin/api-keys", data=data, headers=headers)
    # The created key is in the answer itself (never in the session); no redirect.
    accepted = client.post("/admin/api-keys", data=data,
                           headers={**headers, "X-CSRFToken": csrf_token_from(page)})

    assert refused.status_code == 400
    assert accepted.status_code == 200
    assert "Your new key" in accepted.get_data(as_text=True)
    assert ApiKey.select().count() == 1


def test_login_follows_only_local_next_urls(client, users):
    token = csrf_token(client)
    data = {"email": users["admin"].email, "password": PASSWORD, "csrf_token": token}

    response = client.post("/login?next=//evil.example/", data=data)

    assert response.headers["Location"] == "/"


NASTY_NEXT_VALUES = [
    "//evil.example/", "///evil.example", "////evil.example",
    "/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/\r\n/evil.example",
    "\t//evil.example", "/\x0b/evil.example", "/\x0c/evil.example", "/\x00/evil.example",
    "/\x7f/evil.example", "/\x85/evil.example", "/\u00a0/evil.example",
    "/\u2028/evil.example", "/\u3000/evil.example", " /evil.example", "/ /evil.example",
    "/\\evil.example", "\\\\evil.example", "/\\/evil.example", "\\/evil.example",
    "https:evil.example", "https://evil.example", "http:/evil.example", "javascript:alert(1)",
    "data:text/html,hi", "evil.example", "./evil", "", None,
    "/%2F/evil.example", "/%2f/evil.example", "/%5Cevil.example", "/%5c/evil.example",
    "/%09/evil.example", "/%0a/evil.example", "/%252F/evil.example", "/%25252F/evil.example",
]


@pytest.mark.parametrize("target", NASTY_NEXT_VALUES)
def test_safe_next_refuses_anything_a_browser_could_read_as_another_site(target):
    assert safe_next(target, "/fallback") == "/fallback"


@pytest.mark.parametrize("target", ["/", "/admin/users", "/stock/?q=a%20b&page=2",
                                    "/stock/?next=//evil.example", "/locations/BER#incoming",
                                    "/products/K%C3%A4se-1"])
def test_safe_next_follows_paths_on_this_site(target):
    assert safe_next(target, "/fallback") == target


@pytest.mark.parametrize("query", [
    "/%09/evil.example", "/%0a/evil.example", "/%0d/evil.example", "/%0d%0a/evil.example",
    "%09//evil.example", "/%5Cevil.example", "/%5C/evil.example", "%5C%5Cevil.example",
    "///evil.example", "https:evil.example", "https://evil.example", "/%2F/evil.example",
    "%2F%2Fevil.example", "/%252F/evil.example", "/%20/evil.example", "/%E2%80%A8/evil.example",
])
def test_login_never_redirects_to_another_site(client, users, query):
    token = csrf_token(client)
    data = {"email": users["admin"].email, "password": PASSWORD, "csrf_token": token}

    response = client.post(f"/login?next={query}", data=data)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_switch_never_redirects_to_another_site(client):
    response = client.post("/language", data={"language": "de", "next": "/\t/evil.example",
                                              "csrf_token": csrf_token(client)})

    assert response.headers["Location"] == "/"


def test_login_returns_to_the_requested_page(client, users):
    assert client.get("/admin/users").status_code == 302
    token = csrf_token(client)
    data = {"email": users["admin"].email, "password": PASSWORD, "csrf_token": token}

    response = client.post("/login?next=/admin/users", data=data)

    assert response.headers["Location"] == "/admin/users"


def test_session_cookie_is_httponly_and_samesite_lax(client, users):
    response = login(client, users["admin"])
    cookie = response.headers.get("Set-Cookie", "")

    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_cookies_are_secure_unless_debugging(monkeypatch):
    import importlib

    import config

    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.setenv("FLASK_DEBUG", "0")
    assert importlib.reload(config).Config.SESSION_COOKIE_SECURE is True
    monkeypatch.setenv("FLASK_DEBUG", "1")
    assert importlib.reload(config).Config.SESSION_COOKIE_SECURE is False
    monkeypatch.undo()
    importlib.reload(config)


def test_passwords_are_stored_as_argon2_hashes(ctx, users):
    stored = User.get_by_id(users["admin"].id).password_hash

    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


# -- ending sessions -------------------------------------------------------------

NEW_PASSWORD = "a-brand-new-pw"


def _admin_sets_password(admin_client, user, password: str = NEW_PASSWORD):
    return admin_client.post(f"/admin/users/{user.id}", data={
        "email": user.email, "name": user.name, "role": user.role, "language": user.language,
        "home_store": str(user.home_store_id or ""), "active": "y", "password": password,
        "csrf_token": csrf_token(admin_client, "/")})


def test_a_password_change_by_the_admin_ends_the_users_sessions(app, as_role, users):
    manager = app.test_client()
    assert login(manager, users["manager"]).status_code == 302
    assert manager.get("/").status_code == 200

    changed = _admin_sets_password(as_role("admin"), users["manager"])

    assert changed.status_code == 302
    response = manager.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert login(app.test_client(), users["manager"], NEW_PASSWORD).status_code == 302


def test_a_password_change_ends_remember_me_cookies_too(app, ctx, users):
    browser = app.test_client()
    token = csrf_token(browser)
    browser.post("/login", data={"email": users["manager"].email, "password": PASSWORD,
                                 "remember": "y", "csrf_token": token})
    assert browser.get_cookie("remember_token") is not None
    browser.delete_cookie("session")
    assert browser.get("/").status_code == 200  # the remember-me cookie logs in again
    browser.delete_cookie("session")

    set_password(User.get_by_id(users["manager"].id), NEW_PASSWORD, actor=None)

    assert browser.get("/").status_code == 302


def test_deactivating_a_user_ends_their_sessions_for_good(app, ctx, users):
    logistics = app.test_client()
    assert login(logistics, users["logistics"]).status_code == 302
    user = User.get_by_id(users["logistics"].id)
    before = user.session_token

    update_user(user, name=user.name, role=user.role, home_store=None, language="en",
                active=False, actor=users["admin"])
    User.update(active=True).where(User.id == user.id).execute()  # reactivated later

    assert User.get_by_id(user.id).session_token != before
    assert logistics.get("/").status_code == 302  # the old session does not come back


def test_an_admin_who_changes_their_own_password_stays_logged_in(as_role, users):
    client = as_role("admin")

    response = _admin_sets_password(client, users["admin"])

    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_a_session_from_before_session_tokens_is_over(client, users):
    login(client, users["manager"])
    with client.session_transaction() as session:
        session["_user_id"] = str(users["manager"].id)  # the id alone, as sessions held

    assert client.get("/").status_code == 302


def test_the_session_holds_the_users_token_not_just_the_id(client, users):
    login(client, users["manager"])
    with client.session_transaction() as session:
        user_id = session["_user_id"]

    stored = User.get_by_id(users["manager"].id)
    assert user_id == f"{stored.id}:{stored.session_token}"
    assert len(stored.session_token) >= 32


# -- throttling per remote address ---------------------------------------------

def _login_from(client, address: str, email: str, password: str):
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def test_many_failures_from_one_address_lock_that_address_for_every_email(
        client, users, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_IP", 4)
    for number in range(4):  # four e-mails: none reaches the per-e-mail limit
        response = _login_from(client, "203.0.113.9", f"guess{number}@test.example", "pw-guess")
        assert response.status_code == 401

    locked = _login_from(client, "203.0.113.9", users["admin"].email, PASSWORD)
    elsewhere = _login_from(app.test_client(), "198.51.100.7", users["admin"].email, PASSWORD)

    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.get_data(as_text=True)
    assert elsewhere.status_code == 302


def test_the_address_limit_defaults_to_twenty_failures(client, users, app):
    assert app.config["LOGIN_MAX_FAILURES_PER_IP"] == 20
    for number in range(19):
        _login_from(client, "203.0.113.9", f"guess{number}@test.example", "pw-guess")
    assert _login_from(client, "203.0.113.9", "last@test.example", "pw-guess").status_code == 401

    assert _login_from(client, "203.0.113.9", users["admin"].email, PASSWORD).status_code == 429


def test_the_email_limit_still_applies_across_addresses(client, users, app):
    for number in range(app.config["LOGIN_MAX_FAILURES"]):
        _login_from(client, f"203.0.113.{number}", users["admin"].email, "pw-guess")

    response = _login_from(client, "198.51.100.7", users["admin"].email, PASSWORD)

    assert response.status_code == 429


def test_recording_a_failure_deletes_failures_older_than_the_lock_window(client, users, app):
    old = utcnow() - timedelta(minutes=app.config["LOGIN_LOCK_MINUTES"] + 1)
    recent = utcnow() - timedelta(minutes=1)
    LoginFailure.create(email="old@test.example", remote_addr="203.0.113.1", at=old)
    LoginFailure.create(email="recent@test.example", remote_addr="203.0.113.1", at=recent)

    _login_from(client, "203.0.113.9", "someone@test.example", "pw-guess")

    left = sorted(f.email for f in LoginFailure.select())
    assert left == ["recent@test.example", "someone@test.example"]
