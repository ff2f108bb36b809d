"""Logging in and out, throttling, CSRF and session cookies."""

from __future__ import annotations

from portal.auth.models import LoginFailure, User
from tests.conftest import PASSWORD, csrf_token, login


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
    data = {"name": "WMS", "scopes": ["fulfillments"]}

    refused = client.post("/admin/api-keys", data=data, headers=headers)
    # The created key answers with a redirect (Post/Redirect/Get); htmx's XHR follows it.
    accepted = client.post("/admin/api-keys", data=data, follow_redirects=True,
                           headers={**headers, "X-CSRFToken": csrf_token(client, "/")})

    assert refused.status_code == 400
    assert accepted.status_code == 200
    assert "Your new key" in accepted.get_data(as_text=True)


def test_login_follows_only_local_next_urls(client, users):
    token = csrf_token(client)
    data = {"email": users["admin"].email, "password": PASSWORD, "csrf_token": token}

    response = client.post("/login?next=//evil.example/", data=data)

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
