"""Administrators manage users, locations and API keys; every change is audited."""

from __future__ import annotations

import re

from portal.audit.models import AuditEvent
from portal.auth.models import ApiKey, User
from portal.locations.models import Location
from tests.conftest import csrf_token, csrf_token_from, login

REQUEST_ID_INPUT = re.compile(r'name="request_id" type="hidden" value="([^"]+)"')


def _post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/")})


def test_admin_creates_an_employee_who_can_log_in(as_role, stores, app):
    client = as_role("admin")

    response = _post(client, "/admin/users/new", {
        "email": "Neu@Example.com", "name": "Neue Kollegin", "role": "employee",
        "home_store": str(stores["HAM"].id), "language": "de", "password": "sicheres-pw-1"})

    assert response.status_code == 302
    user = User.get(User.email == "neu@example.com")
    assert (user.role, user.home_store_id, user.language) == ("employee", stores["HAM"].id, "de")
    audit = AuditEvent.get(AuditEvent.action == "user.created",
                           AuditEvent.object_id == str(user.id))
    assert audit.actor == "admin@test.example"
    assert login(app.test_client(), "neu@example.com", "sicheres-pw-1").status_code == 302


def test_an_employee_without_home_store_is_refused_and_nothing_is_saved(as_role):
    client = as_role("admin")
    before = User.select().count()

    response = _post(client, "/admin/users/new", {
        "email": "x@example.com", "name": "X", "role": "employee", "home_store": "",
        "language": "en", "password": "long-enough-pw"})

    assert response.status_code == 400
    assert "A store employee needs a home store." in response.get_data(as_text=True)
    assert User.select().count() == before


def test_duplicate_email_and_short_password_are_reported_per_field(as_role, users):
    client = as_role("admin")

    response = _post(client, "/admin/users/new", {
        "email": users["manager"].email, "name": "Dup", "role": "manager", "language": "en",
        "password": "short"})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Field must be between 8 and 200 characters long." in page


def test_duplicate_email_is_refused(as_role, users):
    client = as_role("admin")

    response = _post(client, "/admin/users/new", {
        "email": users["manager"].email.upper(), "name": "Dup", "role": "manager",
        "language": "en", "password": "long-enough-pw"})

    assert response.status_code == 400
    assert "A user with this e-mail exists already." in response.get_data(as_text=True)


def test_admin_changes_a_role_and_deactivates_a_user(as_role, users):
    client = as_role("admin")
    target = users["logistics"]

    response = _post(client, f"/admin/users/{target.id}", {
        "email": target.email, "name": "Lars", "role": "manager", "language": "de",
        "home_store": ""})

    assert response.status_code == 302
    changed = User.get_by_id(target.id)
    assert (changed.role, changed.active, changed.name) == ("manager", False, "Lars")
    assert login(client.application.test_client(), target).status_code == 401


def test_admin_cannot_demote_themselves(as_role, users):
    client = as_role("admin")
    me = users["admin"]

    response = _post(client, f"/admin/users/{me.id}", {
        "email": me.email, "name": me.name, "role": "manager", "language": "en",
        "active": "y"})

    assert response.status_code == 400
    assert User.get_by_id(me.id).role == "admin"


def test_unknown_user_id_is_404(as_role):
    assert as_role("admin").get("/admin/users/99999").status_code == 404


def _key_form(client) -> dict[str, str]:
    """The API-key page's one-time request id and CSRF token, as a browser gets them."""
    page = client.get("/admin/api-keys").get_data(as_text=True)
    return {"request_id": REQUEST_ID_INPUT.search(page).group(1),
            "csrf_token": csrf_token_from(page)}


def test_api_key_is_shown_once_and_listed_by_prefix_only(as_role):
    client = as_role("admin")
    form = {**_key_form(client), "name": "Web shop", "scopes": ["orders:write", "orders:read"]}

    created = client.post("/admin/api-keys", data=form)
    shown = created.get_data(as_text=True)
    listing = client.get("/admin/api-keys").get_data(as_text=True)

    key = ApiKey.get(ApiKey.name == "Web shop")
    assert created.status_code == 200  # the key is in this answer, not in the session
    assert created.headers["Cache-Control"] == "no-store"
    assert f'value="oms_{key.prefix}_' in shown
    assert "Your new key for “Web shop”" in shown
    assert f'value="oms_{key.prefix}_' not in listing
    assert f"oms_{key.prefix}_…" in listing
    assert key.scope_list == ["orders:read", "orders:write"]
    assert key.creation_request == form["request_id"]
    assert ApiKey.select().count() == 1
    # The answer carries a fresh request id for the next key.
    assert REQUEST_ID_INPUT.search(shown).group(1) != form["request_id"]


def test_the_new_key_never_travels_in_the_session_cookie(as_role):
    client = as_role("admin")
    form = {**_key_form(client), "name": "Web shop", "scopes": ["orders:write"]}

    created = client.post("/admin/api-keys", data=form)

    plain = re.search(r'value="(oms_[^"]+)"', created.get_data(as_text=True)).group(1)
    with client.session_transaction() as session:
        assert plain not in repr(dict(session))
    assert "new_api_key" not in created.headers.get("Set-Cookie", "")


def test_sending_the_same_key_form_again_creates_no_second_key(as_role):
    client = as_role("admin")
    form = {**_key_form(client), "name": "Web shop", "scopes": ["orders:write"]}
    first = client.post("/admin/api-keys", data=form)
    key = ApiKey.get(ApiKey.name == "Web shop")

    again = client.post("/admin/api-keys", data=form)  # the browser's "reload"

    page = again.get_data(as_text=True)
    assert first.status_code == 200
    assert again.status_code == 409
    assert again.headers["Cache-Control"] == "no-store"
    assert "This key was already created." in page
    assert "cannot be shown again" in page
    assert 'id="new-api-key"' not in page and f'value="oms_{key.prefix}_' not in page
    assert ApiKey.select().count() == 1
    assert AuditEvent.select().where(AuditEvent.action == "api_key.created").count() == 1


def test_a_key_form_without_request_id_is_refused_and_creates_nothing(as_role):
    client = as_role("admin")

    response = _post(client, "/admin/api-keys", {"name": "Web shop", "scopes": ["orders:write"]})

    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)
    assert ApiKey.select().count() == 0


def test_api_key_without_scope_is_refused(as_role):
    client = as_role("admin")

    response = client.post("/admin/api-keys", data={**_key_form(client), "name": "Nothing"})

    assert response.status_code == 400
    assert "Choose at least one valid scope." in response.get_data(as_text=True)
    assert ApiKey.select().count() == 0


def test_admin_revokes_a_key(as_role):
    client = as_role("admin")
    client.post("/admin/api-keys", data={**_key_form(client), "name": "WMS",
                                         "scopes": ["fulfillments"]})
    key = ApiKey.get(ApiKey.name == "WMS")

    response = _post(client, f"/admin/api-keys/{key.id}/revoke", {})

    assert response.status_code == 302
    assert ApiKey.get_by_id(key.id).revoked_at is not None
    assert AuditEvent.select().where(AuditEvent.action == "api_key.revoked").count() == 1


def test_admin_creates_a_location(as_role):
    client = as_role("admin")

    response = _post(client, "/locations/new", {
        "code": "lej", "name": "Leipzig Petersstraße", "kind": "store", "city": "Leipzig",
        "country": "de", "latitude": "51.34", "longitude": "12.37", "ships": "y",
        "click_collect": "y", "priority": "50", "active": "y"})

    assert response.status_code == 302
    location = Location.get(Location.code == "LEJ")
    assert (location.country, location.click_collect, location.locker_pickup) == ("DE", True,
                                                                                  False)
    assert client.get("/locations/LEJ").status_code == 200


def test_bad_location_input_is_reported_and_saves_nothing(as_role, stores):
    client = as_role("admin")
    before = Location.select().count()

    response = _post(client, "/locations/new", {
        "code": "BER", "name": "", "kind": "castle", "country": "Germany", "latitude": "95",
        "priority": "50"})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Not a valid choice." in page
    assert "Number must be between -90 and 90." in page
    assert Location.select().count() == before


def test_location_code_must_be_unique(as_role, stores):
    client = as_role("admin")

    response = _post(client, "/locations/new", {
        "code": "BER", "name": "Second Berlin", "kind": "store", "country": "DE",
        "priority": "50"})

    assert response.status_code == 400
    assert "This code is taken." in response.get_data(as_text=True)


def test_admin_edits_a_location_but_not_its_code(as_role, stores):
    client = as_role("admin")

    response = _post(client, "/locations/HAM/edit", {
        "code": "XXX", "name": "Hamburg Jungfernstieg", "kind": "store", "country": "DE",
        "priority": "20", "daily_capacity": "80", "active": "y"})

    assert response.status_code == 302
    location = Location.get_by_id(stores["HAM"].id)
    assert (location.code, location.name, location.daily_capacity) == ("HAM",
                                                                       "Hamburg Jungfernstieg", 80)


def test_user_list_searches_by_email(as_role, users):
    client = as_role("admin")

    response = client.get("/admin/users?q=hamburg", headers={"HX-Request": "true"})

    page = response.get_data(as_text=True)
    assert "hamburg@test.example" in page and "berlin@test.example" not in page
    assert "<html" not in page  # htmx gets the rows fragment only


def test_audit_log_filters_by_action(as_role, users):
    client = as_role("manager")

    page = client.get("/admin/audit?action=user.created").get_data(as_text=True)

    assert page.count("user.created") >= 5
