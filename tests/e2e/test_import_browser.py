"""The import screens in a real browser: the htmx upload → preview → apply flow, under
the strict CSP (any console error or failed request fails the test)."""

from __future__ import annotations

import re

import pytest

from portal.inventory.models import Product, StockLevel, StockMovement
from tests.e2e.test_roles_browser import logged_in_as
from tests.inventory.conftest import make_product

pytestmark = pytest.mark.browser


@pytest.fixture
def upload_folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_FOLDER", str(tmp_path / "imports"))


def test_manager_imports_german_stock_file_with_htmx(page, screenshot, users, stores,
                                                     upload_folder):
    from playwright.sync_api import expect

    make_product("SNK-1", name="Runner schwarz")
    make_product("JKT-2", name="Regenjacke Größe M")
    logged_in_as(page, users["manager"])
    page.get_by_role("link", name="Import / export").click()
    expect(page.get_by_role("heading", name="Import / export", level=1)).to_be_visible()
    screenshot("import-page")

    stock_card = page.locator("#import-stock")
    stock_card.locator('input[type="file"]').set_input_files({
        "name": "Bestand.csv", "mimeType": "text/csv",
        "buffer": "sku;location;on_hand;safety_stock\r\nSNK-1;BER;12;2\r\nJKT-2;HAM;3;\r\n"
                  .encode("cp1252")})
    stock_card.get_by_role("button", name="Check file").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Bestand.csv")
    expect(page).to_have_url(re.compile(r"/data/$"))  # htmx swapped the page in place
    expect(page.locator("#import-counts")).to_contain_text("To create")
    assert StockLevel.select().count() == 0
    screenshot("import-preview")

    page.get_by_role("button", name="Apply 2 changes").click()

    expect(page.locator(".flash-success")).to_contain_text("2 created, 0 updated")
    assert StockMovement.select().count() == 2
    screenshot("import-result")


def test_a_bad_file_shows_its_errors_and_no_apply_button(page, screenshot, users, stores,
                                                         upload_folder, browser_problems):
    from playwright.sync_api import expect

    # The preview of a bad file answers 422 on purpose; chromium logs that as an error too.
    browser_problems.allow(r"HTTP 422: POST .*/data/upload$")
    browser_problems.allow(r"console error: Failed to load resource: .*status of 422")
    make_product("SNK-1")
    logged_in_as(page, users["admin"])
    page.goto("/data/")
    card = page.locator("#import-products")
    card.locator('input[type="file"]').set_input_files({
        "name": "products.csv", "mimeType": "text/csv",
        "buffer": b"sku,ean,name,price\r\nSNK-1,123,Runner,1.234\r\nNEW,,,5\r\n"})
    card.get_by_role("button", name="Check file").click()

    expect(page.locator("table").first).to_contain_text("An EAN has 8, 12, 13 or 14 digits.")
    expect(page.get_by_role("button", name=re.compile("^Apply"))).to_have_count(0)
    assert Product.select().count() == 1
    screenshot("import-errors")
