"""Supplier services: validation, uniqueness, the sourcing queries and the audit trail."""

from __future__ import annotations

import json

import peewee
import pytest

from portal.audit.models import AuditEvent
from portal.db import db
from portal.suppliers.countries import parse_country_codes
from portal.suppliers.errors import SupplierInvalid
from portal.suppliers.models import Supplier, SupplierCountry
from portal.suppliers.services import (
    assignable_locations,
    country_codes,
    create_supplier,
    deactivate_supplier,
    reactivate_supplier,
    search_suppliers,
    supplier_for_location,
    suppliers_serving,
    update_supplier,
)
from tests.suppliers.conftest import supplier_data


def _nothing_written() -> bool:
    return (Supplier.select().count(), SupplierCountry.select().count(),
            AuditEvent.select().where(AuditEvent.action.startswith("supplier.")).count()) == (
        0, 0, 0)


def test_create_stores_normalized_values_and_audits(warehouses, users):
    supplier = create_supplier(supplier_data(contact_email=" S.Krueger@EXAMPLE.com "),
                               users["manager"])

    stored = Supplier.get_by_id(supplier.id)
    assert (stored.code, stored.name, stored.lead_time_days, stored.dropship, stored.active) == (
        "NORDWEST", "Nordwest Textil GmbH", 4, False, True)
    assert stored.contact_email == "S.Krueger@example.com"  # domain lower-cased, local kept
    assert stored.location_id == warehouses["SUP-BI"].id
    assert country_codes(stored) == ["AT", "DE"]
    event = AuditEvent.get(AuditEvent.action == "supplier.created")
    assert (event.actor, event.object_type, event.object_id) == (
        users["manager"].email, "supplier", str(supplier.id))
    assert json.loads(event.detail) == {"code": "NORDWEST", "name": "Nordwest Textil GmbH",
                                        "countries": ["AT", "DE"], "dropship": False,
                                        "location": "SUP-BI"}


def test_every_bad_field_is_named_and_nothing_is_written(warehouses, users):
    with pytest.raises(SupplierInvalid) as caught:
        create_supplier(supplier_data(code="x", name="  ", contact_email="not-an-address",
                                      lead_time_days=366, countries="DE, XX, Germany",
                                      location="WH", notes="n" * 4001), users["manager"])

    fields = caught.value.fields
    assert fields == {
        "code": "2-16 capital letters, digits or dashes.",
        "name": "Enter a name.",
        "contact_email": "Enter a valid e-mail address.",
        "lead_time_days": "Whole days from 0 to 365.",
        "countries": "Not an ISO country code: XX, GERMANY.",
        "location": "WH is not a supplier warehouse (location kind supplier).",
        "notes": "At most 4000 characters.",
    }
    assert caught.value.message == "The supplier was not saved."
    assert _nothing_written()


@pytest.mark.parametrize("value,ok", [(0, True), (365, True), ("07", True), (" 12 ", True),
                                      (-1, False), (366, False), ("3.5", False), ("-2", False),
                                      ("", False), (None, False), (True, False), (2.0, False)])
def test_lead_time_is_whole_days_from_0_to_365(warehouses, users, value, ok):
    data = supplier_data(lead_time_days=value)
    if ok:
        assert 0 <= create_supplier(data, users["admin"]).lead_time_days <= 365
    else:
        with pytest.raises(SupplierInvalid) as caught:
            create_supplier(data, users["admin"])
        assert set(caught.value.fields) == {"lead_time_days"}
        assert _nothing_written()


def test_a_supplier_serves_at_least_one_country(warehouses, users):
    with pytest.raises(SupplierInvalid) as caught:
        create_supplier(supplier_data(countries=" , "), users["admin"])

    assert caught.value.fields == {"countries": "Enter at least one country code, e.g. DE."}


def test_country_codes_are_parsed_from_text_or_lists():
    assert parse_country_codes("nl;be/de  lu,FR,de") == (["BE", "DE", "FR", "LU", "NL"], [])
    assert parse_country_codes(["de", "EU", "xk", "EU"]) == (["DE"], ["EU", "XK"])


def test_codes_are_unique(nordwest, users):
    with pytest.raises(SupplierInvalid) as caught:
        create_supplier(supplier_data(code="NordWest", location=""), users["admin"])

    assert caught.value.fields == {"code": "This code is taken."}
    assert Supplier.select().count() == 1


def test_a_warehouse_belongs_to_one_supplier(nordwest, users, warehouses):
    with pytest.raises(SupplierInvalid) as caught:
        create_supplier(supplier_data(code="OTHER", location="sup-bi"), users["admin"])

    assert caught.value.fields == {"location": "SUP-BI belongs to supplier NORDWEST already."}
    assert Supplier.select().count() == 1
    # Editing the owner keeps its own warehouse without complaint.
    update_supplier(nordwest, supplier_data(name="Nordwest Textil AG"), users["admin"])
    assert Supplier.get_by_id(nordwest.id).location_id == warehouses["SUP-BI"].id


def test_an_unknown_location_is_reported(warehouses, users):
    with pytest.raises(SupplierInvalid) as caught:
        create_supplier(supplier_data(location="NOPE"), users["admin"])

    assert caught.value.fields == {"location": "No such location."}


def test_suppliers_without_a_warehouse_do_not_collide(warehouses, users):
    create_supplier(supplier_data(code="A1", location=""), users["admin"])
    create_supplier(supplier_data(code="B2", location=None), users["admin"])

    assert Supplier.select().where(Supplier.location.is_null()).count() == 2


def test_the_database_refuses_a_second_supplier_for_a_warehouse(nordwest, warehouses):
    # The unique index is what stops two managers assigning one warehouse at once.
    with pytest.raises(peewee.IntegrityError), db.atomic():
        Supplier.create(code="RACE", name="Race", lead_time_days=1,
                        location=warehouses["SUP-BI"])
    with pytest.raises(peewee.IntegrityError), db.atomic():
        Supplier.create(code="LATE", name="Too late", lead_time_days=400)
    with pytest.raises(peewee.IntegrityError), db.atomic():
        SupplierCountry.create(supplier=nordwest, country="DE")


def test_update_changes_details_countries_and_warehouse_but_not_the_code(nordwest, users,
                                                                         warehouses):
    update_supplier(nordwest, supplier_data(code="CHANGED", lead_time_days=6,
                                            countries="DE CH", dropship=True,
                                            location="SUP-NL"), users["admin"])

    stored = Supplier.get_by_id(nordwest.id)
    assert (stored.code, stored.lead_time_days, stored.dropship, stored.location_id) == (
        "NORDWEST", 6, True, warehouses["SUP-NL"].id)
    assert country_codes(stored) == ["CH", "DE"]
    assert stored.updated_at >= stored.created_at
    event = AuditEvent.get(AuditEvent.action == "supplier.updated")
    assert json.loads(event.detail)["changed"] == ["lead_time_days", "dropship", "countries",
                                                   "location"]
    # Bielefeld is free again.
    assert [loc.code for loc in assignable_locations()] == ["SUP-BI"]


def test_a_refused_update_changes_nothing(nordwest, users):
    with pytest.raises(SupplierInvalid):
        update_supplier(nordwest, supplier_data(name="Renamed", countries="ZZ"), users["admin"])

    stored = Supplier.get_by_id(nordwest.id)
    assert stored.name == "Nordwest Textil GmbH"
    assert country_codes(stored) == ["AT", "DE"]
    assert AuditEvent.select().where(AuditEvent.action == "supplier.updated").count() == 0


def test_deactivate_and_reactivate_are_audited_once(nordwest, users):
    deactivate_supplier(nordwest, users["manager"])
    deactivate_supplier(Supplier.get_by_id(nordwest.id), users["manager"])

    assert Supplier.get_by_id(nordwest.id).active is False
    actions = [e.action for e in AuditEvent.select().where(
        AuditEvent.action.startswith("supplier.")).order_by(AuditEvent.id)]
    assert actions == ["supplier.created", "supplier.deactivated"]

    reactivate_supplier(Supplier.get_by_id(nordwest.id), users["manager"])
    assert Supplier.get_by_id(nordwest.id).active is True
    assert AuditEvent.select().where(AuditEvent.action == "supplier.reactivated").count() == 1


def test_suppliers_serving_a_country(nordwest, users, warehouses):
    vandijk = create_supplier(supplier_data(code="VANDIJK", name="Van Dijk Sport B.V.",
                                            lead_time_days=2, countries="NL BE DE LU FR",
                                            dropship=True, location="SUP-NL"), users["admin"])
    create_supplier(supplier_data(code="SLEEPY", name="Inactive", countries="DE",
                                  active=False, location=""), users["admin"])
    create_supplier(supplier_data(code="NOWHERE", name="No warehouse", countries="DE",
                                  lead_time_days=9, location=""), users["admin"])

    serving_de = list(suppliers_serving("de"))
    assert [s.code for s in serving_de] == ["VANDIJK", "NORDWEST", "NOWHERE"]  # lead time
    assert [s.location_id for s in serving_de] == [warehouses["SUP-NL"].id,
                                                   warehouses["SUP-BI"].id, None]
    assert [s.code for s in suppliers_serving("DE", dropship_only=True)] == ["VANDIJK"]
    assert [s.code for s in suppliers_serving("AT")] == ["NORDWEST"]
    assert list(suppliers_serving("PL")) == []
    assert list(suppliers_serving("")) == []

    deactivate_supplier(vandijk, users["admin"])
    assert [s.code for s in suppliers_serving("NL")] == []


def test_supplier_for_location(nordwest, warehouses, stores):
    assert supplier_for_location(warehouses["SUP-BI"].id).code == "NORDWEST"
    assert supplier_for_location(warehouses["SUP-NL"].id) is None
    assert supplier_for_location(stores["BER"].id) is None


def test_search_filters_by_text_country_dropship_and_status(nordwest, users):
    create_supplier(supplier_data(code="VANDIJK", name="Van Dijk Sport B.V.",
                                  contact_name="Joris van Dijk",
                                  contact_email="orders@example.nl", countries="NL DE",
                                  dropship=True, location="SUP-NL"), users["admin"])
    deactivate_supplier(nordwest, users["admin"])

    def codes(**filters):
        return [s.code for s in search_suppliers(**filters)]

    assert codes() == ["NORDWEST", "VANDIJK"]  # by name
    assert codes(query="joris") == ["VANDIJK"]
    assert codes(query="krueger@") == ["NORDWEST"]
    assert codes(country="de") == ["NORDWEST", "VANDIJK"]
    assert codes(country="AT") == ["NORDWEST"]
    assert codes(dropship=True) == ["VANDIJK"]
    assert codes(dropship=False) == ["NORDWEST"]
    assert codes(active=True) == ["VANDIJK"]
    assert codes(active=False, country="DE") == ["NORDWEST"]


@pytest.mark.parametrize("editing", [False, True])
def test_a_lost_race_for_a_warehouse_is_a_field_error(nordwest, users, warehouses, monkeypatch,
                                                      editing):
    """Two managers assign one warehouse at once: the check of the second ran before the
    first saved, so the unique index refuses the write and the service says why."""
    from dataclasses import replace

    from portal.suppliers import services

    real_clean = services._clean
    calls = []

    def stale_clean(data, existing):
        calls.append(existing)
        if len(calls) == 1:  # checked while SUP-BI still looked free
            return replace(real_clean({**data, "location": ""}, existing),
                           location=warehouses["SUP-BI"])
        return real_clean(data, existing)

    other = create_supplier(supplier_data(code="OTHER", location=""), users["admin"])
    monkeypatch.setattr(services, "_clean", stale_clean)
    with pytest.raises(SupplierInvalid) as caught:
        if editing:
            update_supplier(other, supplier_data(code="OTHER", location="SUP-BI"),
                            users["admin"])
        else:
            create_supplier(supplier_data(code="THIRD", location="SUP-BI"), users["admin"])

    assert caught.value.fields == {"location": "SUP-BI belongs to supplier NORDWEST already."}
    assert len(calls) == 2
    assert Supplier.select().count() == 2
    assert Supplier.get_by_id(other.id).location_id is None
    assert other.location_id is None  # the object in hand is as it was, too
