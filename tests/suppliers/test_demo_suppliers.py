"""The demo loader creates the two demo suppliers once, also in a database loaded earlier."""

from __future__ import annotations

from portal.demo.loader import load_demo
from portal.suppliers.models import Supplier, SupplierCountry
from portal.suppliers.services import country_codes, suppliers_serving


def test_demo_has_a_supplier_for_each_supplier_location(ctx):
    message = load_demo(product_count=30)

    assert ", 2 suppliers and " in message
    suppliers = {s.code: s for s in Supplier.select()}
    assert set(suppliers) == {"NORDWEST", "VANDIJK"}
    nordwest, vandijk = suppliers["NORDWEST"], suppliers["VANDIJK"]
    assert (nordwest.location.code, nordwest.dropship, country_codes(nordwest)) == (
        "SUP-BI", False, ["AT", "DE"])
    assert (vandijk.location.code, vandijk.dropship, country_codes(vandijk)) == (
        "SUP-NL", True, ["BE", "DE", "FR", "LU", "NL"])
    assert vandijk.contact_email.endswith("example.nl")
    assert nordwest.contact_email.endswith("example.com")
    assert [s.code for s in suppliers_serving("DE")] == ["VANDIJK", "NORDWEST"]
    assert [s.code for s in suppliers_serving("DE", dropship_only=True)] == ["VANDIJK"]


def test_loading_again_creates_no_second_supplier(ctx):
    load_demo(product_count=30)
    counts = (Supplier.select().count(), SupplierCountry.select().count())

    assert load_demo(product_count=30) == "Demo data is already loaded."
    assert (Supplier.select().count(), SupplierCountry.select().count()) == counts == (2, 7)


def test_a_database_loaded_before_suppliers_existed_gets_them(ctx):
    load_demo(product_count=30)
    SupplierCountry.delete().execute()
    Supplier.delete().execute()

    assert load_demo(product_count=30) == "Demo data is already loaded; added 2 suppliers."
    assert Supplier.select().count() == 2
    assert load_demo(product_count=30) == "Demo data is already loaded."
