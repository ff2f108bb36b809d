"""Supplier screens: who may see and change them, the form round trip, bad input and the
active search fragment."""

from __future__ import annotations

import re

import pytest

from portal.audit.models import AuditEvent
from portal.inventory.models import IncomingStock, StockLevel
from portal.suppliers.models import Supplier, SupplierCountry
from portal.suppliers.services import country_codes, create_supplier
from tests.conftest import csrf_token
from tests.inventory.conftest import make_product
from tests.suppliers.conftest import supplier_data

FORM = {"code": "vandijk", "name": "Van Dijk Sport B.V.", "contact_name": "Joris van Dijk",
        "contact_email": "orders@example.nl", "contact_phone": "+31 77 320 4580",
        "lead_time_days": "2", "countries": "nl, be de LU fr", "dropship": "y",
        "location": "SUP-NL", "active": "y", "notes": "Drop-ships in our name."}


def _post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/")})


@pytest.mark.parametrize("path", ["/suppliers/", "/suppliers/NORDWEST", "/suppliers/new",
                                  "/suppliers/NORDWEST/edit"])
def test_employees_may_not_open_supplier_screens(as_role, nordwest, path):
    assert as_role("employee").get(path).status_code == 403


def test_logistics_reads_but_does_not_change(as_role, nordwest):
    client = as_role("logistics")

    assert client.get("/suppliers/").status_code == 200
    page = client.get("/suppliers/NORDWEST").get_data(as_text=True)
    assert "Nordwest Textil GmbH" in page
    assert "/suppliers/NORDWEST/edit" not in page and "Deactivate" not in page
    assert client.get("/suppliers/new").status_code == 403
    assert client.get("/suppliers/NORDWEST/edit").status_code == 403
    assert _post(client, "/suppliers/NORDWEST/deactivate", {}).status_code == 403
    assert _post(client, "/suppliers/new", FORM).status_code == 403
    assert Supplier.get(Supplier.code == "NORDWEST").active is True
    assert Supplier.select().count() == 1


def test_unknown_supplier_is_404(as_role, users):
    assert as_role("manager").get("/suppliers/NOPE").status_code == 404


def test_manager_creates_a_supplier_and_sees_its_page(as_role, warehouses):
    client = as_role("manager")
    form = client.get("/suppliers/new").get_data(as_text=True)
    assert '<option value="SUP-NL">' in form and '<option value="SUP-BI">' in form

    response = _post(client, "/suppliers/new", FORM)

    assert response.status_code == 302
    assert response.headers["Location"] == "/suppliers/VANDIJK"
    supplier = Supplier.get(Supplier.code == "VANDIJK")
    assert (supplier.lead_time_days, supplier.dropship, supplier.location_id) == (
        2, True, warehouses["SUP-NL"].id)
    assert country_codes(supplier) == ["BE", "DE", "FR", "LU", "NL"]
    page = client.get("/suppliers/VANDIJK").get_data(as_text=True)
    assert "Supplier VANDIJK created." in page
    for text in ("Van Dijk Sport B.V.", "Joris van Dijk", 'href="mailto:orders@example.nl"',
                 "Drop-ship", "2 days", "Netherlands", "Luxembourg", "France",
                 'href="/locations/SUP-NL"', "Drop-ships in our name."):
        assert text in page, text
    assert AuditEvent.select().where(AuditEvent.action == "supplier.created").count() == 1


def test_admin_edits_a_supplier_round_trip(as_role, nordwest, warehouses):
    client = as_role("admin")
    form = client.get("/suppliers/NORDWEST/edit").get_data(as_text=True)
    assert 'value="AT, DE"' in form
    assert '<option selected value="SUP-BI">' in form
    assert 'readonly' in form  # the code is fixed

    response = _post(client, "/suppliers/NORDWEST/edit", {
        **FORM, "code": "HIJACK", "name": "Nordwest Textil AG", "countries": "DE",
        "dropship": "", "location": "", "lead_time_days": "0", "active": "y"})

    assert response.status_code == 302
    stored = Supplier.get_by_id(nordwest.id)
    assert (stored.code, stored.name, stored.lead_time_days, stored.dropship,
            stored.location_id) == ("NORDWEST", "Nordwest Textil AG", 0, False, None)
    assert country_codes(stored) == ["DE"]
    page = client.get("/suppliers/NORDWEST").get_data(as_text=True)
    assert "No warehouse assigned yet" in page


def test_bad_input_is_400_with_messages_and_writes_nothing(as_role, warehouses):
    client = as_role("manager")

    response = _post(client, "/suppliers/new", {
        **FORM, "code": "x", "contact_email": "nope", "lead_time_days": "400",
        "countries": "NL, XX"})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Number must be between 0 and 365." in page
    assert "Invalid email address." in page
    assert Supplier.select().count() == 0 and SupplierCountry.select().count() == 0


def test_service_errors_are_shown_on_the_form(as_role, nordwest):
    client = as_role("manager")

    response = _post(client, "/suppliers/new", {**FORM, "code": "NORDWEST",
                                                "countries": "NL, XX", "location": "WH"})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This code is taken." in page
    assert "Not an ISO country code: XX." in page
    assert "WH is not a supplier warehouse" in page
    assert "The supplier was not saved." in page
    assert Supplier.select().count() == 1
    assert AuditEvent.select().where(AuditEvent.action == "supplier.created").count() == 1


def test_a_refused_edit_changes_nothing(as_role, nordwest):
    client = as_role("admin")

    response = _post(client, "/suppliers/NORDWEST/edit", {**FORM, "name": "", "countries": ""})

    assert response.status_code == 400
    assert Supplier.get_by_id(nordwest.id).name == "Nordwest Textil GmbH"
    assert country_codes(nordwest) == ["AT", "DE"]


def test_manager_deactivates_and_reactivates(as_role, nordwest):
    client = as_role("manager")

    response = _post(client, "/suppliers/NORDWEST/deactivate", {})

    assert response.status_code == 302
    assert Supplier.get_by_id(nordwest.id).active is False
    page = client.get("/suppliers/NORDWEST").get_data(as_text=True)
    assert "sourcing no longer uses it" in page and "Reactivate" in page
    _post(client, "/suppliers/NORDWEST/reactivate", {})
    assert Supplier.get_by_id(nordwest.id).active is True


def test_deactivate_needs_the_csrf_token(as_role, nordwest):
    response = as_role("manager").post("/suppliers/NORDWEST/deactivate")

    assert response.status_code == 400
    assert Supplier.get_by_id(nordwest.id).active is True


def test_active_search_answers_htmx_with_the_rows_only(as_role, nordwest, users):
    create_supplier(supplier_data(code="VANDIJK", name="Van Dijk Sport B.V.",
                                  contact_email="orders@example.nl", countries="NL BE",
                                  dropship=True, location="SUP-NL"), users["admin"])
    client = as_role("logistics")

    fragment = client.get("/suppliers/?q=van", headers={"HX-Request": "true"})

    rows = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    assert "<html" not in rows and "<table>" in rows
    assert "VANDIJK" in rows and "NORDWEST" not in rows
    # The same URL without htmx is the whole page with the filters filled in (no JS needed).
    page = client.get("/suppliers/?q=van").get_data(as_text=True)
    assert "<html" in page and 'value="van"' in page and "NORDWEST" not in page


@pytest.mark.parametrize("query,shown,hidden", [
    ("country=at", "NORDWEST", "VANDIJK"),
    ("country=BE", "VANDIJK", "NORDWEST"),
    ("dropship=yes", "VANDIJK", "NORDWEST"),
    ("dropship=no", "NORDWEST", "VANDIJK"),
    ("status=inactive", "NORDWEST", "VANDIJK"),
    ("status=active", "VANDIJK", "NORDWEST"),
])
def test_list_filters(as_role, nordwest, users, query, shown, hidden):
    create_supplier(supplier_data(code="VANDIJK", name="Van Dijk Sport B.V.",
                                  contact_email="orders@example.nl", countries="NL BE",
                                  dropship=True, location="SUP-NL"), users["admin"])
    Supplier.update(active=False).where(Supplier.id == nordwest.id).execute()

    rows = as_role("manager").get(f"/suppliers/?{query}",
                                  headers={"HX-Request": "true"}).get_data(as_text=True)

    assert f">{shown}</a>" in rows and f">{hidden}</a>" not in rows


def test_unknown_filter_values_are_ignored(as_role, nordwest):
    page = as_role("manager").get("/suppliers/?country=XX&dropship=maybe&status=zzz&page=x")

    assert page.status_code == 200
    assert ">NORDWEST</a>" in page.get_data(as_text=True)


def test_detail_shows_the_warehouse_stock(as_role, nordwest, warehouses):
    location = warehouses["SUP-BI"]
    for n, (on_hand, reserved, safety) in enumerate([(100, 10, 0), (5, 0, 5), (0, 0, 0),
                                                     (40, 0, 2)]):
        StockLevel.create(product=make_product(f"SKU-{n}"), location=location, on_hand=on_hand,
                          reserved=reserved, safety_stock=safety)
    IncomingStock.create(product=make_product("SKU-9"), location=location, quantity=30,
                         expected_on="2030-01-01", source="supplier_order", reference="PO-1")

    page = as_role("logistics").get("/suppliers/NORDWEST").get_data(as_text=True)

    stats = page.split('class="stats"', 1)[1].split("</section>", 1)[0]
    figures = re.findall(r'class="stat-value">([^<]*)</span>\s*'
                         r'<span class="stat-label">([^<]*)</span>', stats)
    assert [(label, value) for value, label in figures] == [
        ("Articles in stock", "2"), ("Units available", "128"), ("Units on hand", "145"),
        ("Reserved units", "10"), ("Units incoming", "30")]
    assert 'href="/stock/?location=SUP-BI"' in page


def test_audit_log_names_the_supplier(as_role, nordwest):
    page = as_role("admin").get("/admin/audit?action=supplier.").get_data(as_text=True)

    assert "supplier.created" in page and ">NORDWEST</span>" in page


def test_country_names_follow_the_users_language(as_role, nordwest, users):
    from portal.auth.models import User

    User.update(language="de").where(User.id == users["logistics"].id).execute()

    page = as_role("logistics").get("/suppliers/NORDWEST").get_data(as_text=True)

    assert '<html lang="de">' in page
    assert "Deutschland" in page and "Österreich" in page
