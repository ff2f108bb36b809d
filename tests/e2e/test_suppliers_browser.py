"""Suppliers in a real browser: the list with active search and filters, the detail page
with its warehouse stock, and the form with an error and its correction."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.inventory.models import StockLevel
from portal.suppliers.services import create_supplier
from tests.conftest import make_store
from tests.e2e.test_roles_browser import logged_in_as

pytestmark = pytest.mark.browser


@pytest.fixture
def supplier_data(shop_data, users):
    """The two demo suppliers with warehouses that hold some of the shop's articles."""
    bielefeld = make_store("SUP-BI", "Lieferant Nordwest Textil, Bielefeld", 52.03, 8.53,
                           kind="supplier", street="Eckendorfer Straße 60", postcode="33609",
                           city="Bielefeld")
    venlo = make_store("SUP-NL", "Supplier Van Dijk Sport B.V., Venlo", 51.37, 6.17,
                       kind="supplier", street="Celsiusweg 20", postcode="5928 PR",
                       city="Venlo", country="NL")
    make_store("SUP-PL", "Dostawca Poznań", 52.41, 16.93, kind="supplier", city="Poznań",
               country="PL")  # not assigned yet: offered in the form
    for n, product in enumerate(shop_data["products"]):
        StockLevel.create(product=product, location=bielefeld, on_hand=0 if n == 2 else 120 + n)
        if n % 2:
            StockLevel.create(product=product, location=venlo, on_hand=300, reserved=12)
    create_supplier({"code": "NORDWEST", "name": "Nordwest Textil GmbH",
                     "contact_name": "Sabine Krüger",
                     "contact_email": "s.krueger@nordwest-textil.example.com",
                     "contact_phone": "+49 521 557 3410", "lead_time_days": 4,
                     "countries": "DE AT", "dropship": False, "active": True,
                     "notes": "Orders until 12:00 leave the same day.", "location": bielefeld},
                    users["admin"])
    create_supplier({"code": "VANDIJK", "name": "Van Dijk Sport B.V.",
                     "contact_name": "Joris van Dijk",
                     "contact_email": "orders@vandijk-sport.example.nl",
                     "contact_phone": "+31 77 320 4580", "lead_time_days": 2,
                     "countries": "NL BE DE LU FR", "dropship": True, "active": True,
                     "notes": "", "location": venlo}, users["admin"])


def test_manager_finds_a_supplier_and_opens_its_page(page, screenshot, users, supplier_data):
    logged_in_as(page, users["manager"])
    page.locator("nav.mainnav").get_by_role("link", name="Suppliers", exact=True).click()
    expect(page).to_have_url(re.compile(r"/suppliers/$"))
    expect(page.locator('nav.mainnav a[aria-current="page"]')).to_have_text("Suppliers")
    rows = page.locator("#supplier-rows tbody tr")
    expect(rows).to_have_count(2)
    screenshot("manager-suppliers")

    page.evaluate("window.__e2eNoReload = 'still here'")
    page.locator("#dropship").select_option("yes")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Van Dijk Sport B.V.")
    expect(page).to_have_url(re.compile(r"dropship=yes"))
    page.locator("#dropship").select_option("")
    page.locator("#country").select_option("AT")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Nordwest Textil GmbH")
    page.locator("#country").select_option("")
    with page.expect_response(lambda r: "q=dijk" in r.url):
        page.locator("#q").press_sequentially("dijk", delay=20)
    expect(rows).to_have_count(1)
    assert page.evaluate("window.__e2eNoReload") == "still here", "the page was reloaded"
    expect(page.locator("#supplier-rows table")).to_have_count(1)
    screenshot("manager-suppliers-search")

    rows.first.get_by_role("link", name="VANDIJK").click()
    expect(page).to_have_url(re.compile(r"/suppliers/VANDIJK$"))
    expect(page.locator("main h1")).to_contain_text("Van Dijk Sport B.V.")
    expect(page.locator(".page-head .badge.dropship")).to_have_text("Drop-ship")
    expect(page.locator("main")).to_contain_text("Luxembourg")
    stats = page.locator("#supplier-warehouse .stat")
    expect(stats.nth(0)).to_contain_text("4")      # articles in stock
    expect(stats.nth(1)).to_contain_text("1,152")  # 4 × (300 − 12)
    screenshot("manager-supplier-detail")

    page.locator("#supplier-warehouse").get_by_role("link", name=re.compile("Venlo")).click()
    expect(page).to_have_url(re.compile(r"/locations/SUP-NL$"))


def test_manager_corrects_a_bad_country_in_the_form(page, screenshot, users, supplier_data,
                                                    browser_problems):
    browser_problems.allow(r"HTTP 400: POST .*/suppliers/new$")
    browser_problems.allow(r"console error: Failed to load resource: .*status of 400")
    logged_in_as(page, users["manager"])
    page.goto("/suppliers/")
    page.get_by_role("link", name="New supplier", exact=True).click()

    page.get_by_label("Code", exact=True).fill("posnan")
    page.get_by_label("Name", exact=True).fill("Dostawca Sport Sp. z o.o.")
    page.get_by_label("Lead time (days)").fill("6")
    page.get_by_label("Countries served").fill("PL, CZ, SKX")
    page.get_by_label("Warehouse (location)").select_option("SUP-PL")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".field.has-error")).to_have_count(1)
    expect(page.locator(".field.has-error .error")).to_have_text(
        "Not an ISO country code: SKX.")
    expect(page.get_by_label("Warehouse (location)")).to_have_value("SUP-PL")
    screenshot("manager-supplier-form-error")

    page.get_by_label("Countries served").fill("PL, CZ, SK")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(re.compile(r"/suppliers/POSNAN$"))
    expect(page.locator(".flash-success")).to_have_text("Supplier POSNAN created.")
    expect(page.locator("main")).to_contain_text("Slovakia")
    expect(page.locator("#supplier-warehouse")).to_contain_text("Dostawca Poznań")
