"""Every CSV the portal hands out is safe to open in a spreadsheet: no cell starts with
= + - @ tab or CR unless it is a plain number (OWASP CSV injection).

The exports are found in the URL map (every rule ending in ``.csv``), so a new export
fails ``test_every_csv_export_is_covered`` until it is added here."""

from __future__ import annotations

import csv
import io
import re

import pytest

from portal.inventory import services
from portal.inventory.models import StockLevel
from portal.locations.models import Location
from tests.conftest import csrf_token
from tests.inventory.conftest import make_product

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3",
           "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]
NUMBER = re.compile(r"-?\d+(,\d+)?")
COVERED = {"/data/export/<kind>.csv", "/data/uploads/<token>/errors.csv",
           "/stock/ledger/export.csv"}


def cells(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    body = response.get_data().decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(body, newline=""), delimiter=";")
            for cell in row]


def dangerous(values: list[str]) -> list[str]:
    return [value for value in values
            if value.startswith(("=", "+", "-", "@", "\t", "\r"))
            and not NUMBER.fullmatch(value)]


def test_every_csv_export_is_covered(app):
    exports = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.endswith(".csv")}

    assert exports == COVERED, "a new CSV export: test its formula guard here"


@pytest.fixture
def hostile_data(ctx, stores):
    """Every text an export shows, starting with a formula character."""
    for number, text in enumerate(HOSTILE):
        product = make_product(f"EVIL-{number}", name=text, brand=text, category=text,
                               tags="")
        services.receive_stock(product, stores["BER"], 3, reason=text, reference=text[:30])
        StockLevel.update(bin=text[:20]).where(StockLevel.product == product).execute()
    Location.update(name=HOSTILE[0], street=HOSTILE[3], city=HOSTILE[4]).where(
        Location.code == "HAM").execute()
    services.receive_stock(make_product("NEG"), stores["HAM"], 2, reason=HOSTILE[2])


@pytest.mark.parametrize("url", ["/data/export/products.csv", "/data/export/locations.csv",
                                 "/data/export/stock.csv", "/data/export/stock.csv?location=BER",
                                 "/stock/ledger/export.csv"])
def test_exports_guard_every_formula_prefix(as_role, hostile_data, url):
    values = cells(as_role("admin").get(url))

    assert not dangerous(values), url
    guarded = [value for value in values if value.startswith("'")]
    assert guarded, f"{url}: the hostile texts are missing from the export"


def test_the_import_error_report_guards_what_the_upload_said(as_role, stores, app, tmp_path,
                                                           monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_FOLDER", str(tmp_path / "imports"))
    client = as_role("manager")
    rows = "".join(f"{text.strip()},{text.strip()},{text.strip()}\r\n" for text in HOSTILE)
    data = ("sku,location,on_hand\r\n" + rows).encode()

    page = client.post("/data/upload", data={
        "kind": "stock", "file": (io.BytesIO(data), "=evil.csv"),
        "csrf_token": csrf_token(client, "/data/")}, content_type="multipart/form-data")
    token = re.search(r"/data/uploads/([^/]+)/errors\.csv", page.get_data(as_text=True))

    assert token, page.get_data(as_text=True)[:2000]
    values = cells(client.get(f"/data/uploads/{token.group(1)}/errors.csv"))
    assert len(values) > 3
    assert not dangerous(values)
