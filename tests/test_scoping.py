"""Roles and store scoping are enforced on the server."""

from __future__ import annotations

import pytest


def test_anonymous_users_are_sent_to_login(client, users):
    response = client.get("/locations/BER")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_anonymous_htmx_requests_get_a_full_page_redirect(client, users):
    response = client.get("/admin/users", headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/login")


def test_employee_sees_their_own_store(as_role):
    client = as_role("employee")

    response = client.get("/locations/BER")

    assert response.status_code == 200
    assert "Berlin Mitte" in response.get_data(as_text=True)


def test_employee_gets_404_for_another_store(as_role):
    client = as_role("employee")

    response = client.get("/locations/HAM")

    assert response.status_code == 404
    assert "Hamburg" not in response.get_data(as_text=True)


def test_my_store_leads_an_employee_home(as_role):
    client = as_role("employee_ham")

    assert client.get("/locations/mine").headers["Location"] == "/locations/HAM"


@pytest.mark.parametrize("path", ["/locations/", "/admin/users", "/admin/api-keys",
                                  "/admin/audit", "/locations/new"])
def test_employee_cannot_open_management_screens(as_role, path):
    assert as_role("employee").get(path).status_code == 403


@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/new", "/admin/api-keys",
                                  "/admin/audit", "/locations/new", "/locations/BER/edit"])
def test_logistics_cannot_open_admin_screens(as_role, path):
    response = as_role("logistics").get(path)

    assert response.status_code == 403
    assert "You do not have permission" in response.get_data(as_text=True)


def test_logistics_may_see_every_location(as_role):
    client = as_role("logistics")

    assert client.get("/locations/").status_code == 200
    assert client.get("/locations/HAM").status_code == 200


def test_manager_reads_the_audit_log_but_not_users(as_role):
    client = as_role("manager")

    assert client.get("/admin/audit").status_code == 200
    assert client.get("/admin/users").status_code == 403


def test_logistics_post_to_admin_action_is_refused_and_changes_nothing(as_role, users):
    from portal.auth.models import ApiKey
    from tests.conftest import csrf_token

    client = as_role("logistics")
    response = client.post("/admin/api-keys", data={"name": "sneaky", "scopes": ["orders:write"],
                                                    "csrf_token": csrf_token(client, "/")})

    assert response.status_code == 403
    assert ApiKey.select().count() == 0


@pytest.mark.parametrize("role,items,absent", [
    ("employee", ["Dashboard", "Sell", "Orders", "Fulfilment", "Returns", "Stock", "Ledger",
                  "My store"],
     ["Users", "Locations", "Suppliers", "API keys", "Import / export", "Sourcing rules"]),
    ("logistics", ["Dashboard", "Orders", "Fulfilment", "Returns", "Stock", "Ledger",
                   "Locations", "Suppliers"],
     ["Users", "API keys", "My store", "Import / export", "Sell", "Sourcing rules"]),
    ("manager", ["Dashboard", "Sell", "Orders", "Fulfilment", "Returns", "Stock", "Ledger",
                 "Locations", "Suppliers", "Import / export", "Sourcing rules", "Audit log"],
     ["Users", "API keys"]),
    ("admin", ["Dashboard", "Sell", "Orders", "Fulfilment", "Returns", "Stock", "Ledger",
               "Locations", "Suppliers", "Import / export", "Sourcing rules", "Users", "API keys",
               "Audit log", "Outbox"],
     ["My store"]),
])
def test_navigation_follows_the_role(as_role, role, items, absent):
    page = as_role(role).get("/").get_data(as_text=True)
    nav = page.split('class="mainnav"', 1)[1].split("</nav>", 1)[0]

    for label in items:
        assert f">{label}</a>" in nav
    for label in absent:
        assert f">{label}</a>" not in nav
