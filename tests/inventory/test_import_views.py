"""Import / export screens: upload → preview → apply, downloads, roles and limits."""

from __future__ import annotations

import csv
import io
import os
import re
import time
from decimal import Decimal

import pytest

from portal.audit.models import AuditEvent
from portal.csvfiles import store_upload
from portal.inventory import services
from portal.inventory.models import Product, StockLevel, StockMovement
from portal.locations.models import Location
from tests.conftest import csrf_token
from tests.inventory.conftest import make_product

GOOD = b"sku,ean,name,price\r\nNEW-1,4006381333931,Trail shoe,79.00\r\nNEW-2,,Sock,4.50\r\n"
BAD = (b"sku,ean,name,price\r\nNEW-1,4006381333932,Bad EAN,79.00\r\nNEW-2,,Sock,4.50\r\n"
       b"NEW-3,,No price,\r\nNEW-4,,Too,few,values\r\n")


@pytest.fixture
def upload_folder(app, tmp_path, monkeypatch):
    folder = tmp_path / "imports"
    monkeypatch.setitem(app.config, "IMPORT_FOLDER", str(folder))
    return folder


def upload(client, kind: str, data: bytes, filename: str = "products.csv", **headers):
    return client.post("/data/upload", data={
        "kind": kind, "file": (io.BytesIO(data), filename),
        "csrf_token": csrf_token(client, "/data/")}, content_type="multipart/form-data",
        headers=headers)


def token_in(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.get_data(as_text=True))
    assert match, "the page keeps no upload"
    return match.group(1)


def apply(client, token: str):
    return client.post("/data/apply", data={"token": token,
                                            "csrf_token": csrf_token(client, "/data/")})


def read_export(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_the_page_offers_exports_and_an_upload_form_per_kind(as_role):
    page = as_role("admin").get("/data/").get_data(as_text=True)

    for kind in ("products", "locations", "stock"):
        assert f'href="/data/export/{kind}.csv"' in page
        assert f'name="kind" value="{kind}"' in page
    assert page.count('type="file"') == 3
    assert page.count('enctype="multipart/form-data"') == 3
    assert "At most 50 MB and 200,000 rows" in page
    assert 'hx-indicator="#progress, closest form"' in page


@pytest.mark.parametrize("role", ["employee", "logistics"])
def test_other_roles_are_forbidden(as_role, role, upload_folder):
    client = as_role(role)
    token = csrf_token(client, "/")

    assert client.get("/data/").status_code == 403
    assert client.get("/data/export/products.csv").status_code == 403
    assert client.post("/data/upload", data={"kind": "products", "csrf_token": token,
                                              "file": (io.BytesIO(GOOD), "p.csv")},
                       content_type="multipart/form-data").status_code == 403
    assert client.post("/data/apply", data={"token": "x" * 32,
                                             "csrf_token": token}).status_code == 403
    assert Product.select().count() == 0
    assert not upload_folder.exists()


LOCATIONS = b"code,name,kind,country\r\nNEW-1,Neues Lager,warehouse,DE\r\n"


def test_managers_export_everything_but_may_not_import_locations(as_role, users, stores,
                                                                 upload_folder):
    client = as_role("manager")

    page = client.get("/data/").get_data(as_text=True)
    assert 'href="/data/export/locations.csv"' in page
    assert 'name="kind" value="locations"' not in page
    assert 'name="kind" value="products"' in page and 'name="kind" value="stock"' in page
    assert page.count('type="file"') == 2
    assert "Only administrators can import this data." in page
    assert client.get("/data/export/locations.csv").status_code == 200

    assert upload(client, "locations", LOCATIONS, "l.csv").status_code == 403
    assert not upload_folder.exists() or not any(upload_folder.iterdir())
    # an upload kept from before (or from when the user was an admin) does not apply
    token = store_upload(upload_folder, LOCATIONS, {"kind": "locations", "filename": "l.csv",
                                                    "user_id": users["manager"].id})
    assert apply(client, token).status_code == 403
    assert client.get(f"/data/uploads/{token}/errors.csv").status_code == 403
    assert Location.select().where(Location.code == "NEW-1").count() == 0
    assert upload(client, "stock", b"sku,location,on_hand\r\n", "s.csv").status_code == 422


def test_admins_import_locations(as_role, stores, upload_folder):
    client = as_role("admin")

    token = token_in(upload(client, "locations", LOCATIONS, "l.csv"))

    assert apply(client, token).status_code == 200
    assert Location.get(Location.code == "NEW-1").name == "Neues Lager"


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get("/data/")

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_good_file_shows_a_preview_then_applies(as_role, users, upload_folder):
    client = as_role("manager")

    preview = upload(client, "products", GOOD)

    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "Apply 2 changes" in page and "Trail shoe" in page
    assert Product.select().count() == 0  # nothing before apply
    token = token_in(preview)
    kept = upload_folder / f"{token}.csv"
    assert kept.read_bytes() == GOOD
    assert oct(kept.stat().st_mode & 0o777) == "0o600"

    result = apply(client, token)

    assert result.status_code == 200
    assert "2 created, 0 updated, 0 unchanged" in result.get_data(as_text=True)
    assert Product.get(Product.sku == "NEW-1").price == Decimal("79.00")
    assert AuditEvent.get(AuditEvent.action == "products.imported").user_id == users[
        "manager"].id
    assert not kept.exists()
    again = apply(client, token)
    assert again.status_code == 410
    assert "no longer available" in again.get_data(as_text=True)
    assert Product.select().count() == 2


def test_bad_file_lists_every_bad_line_and_offers_no_apply(as_role, upload_folder):
    client = as_role("admin")

    response = upload(client, "products", BAD)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    lines = re.findall(r'<tr><td class="num">(\d+)</td>', page)
    assert lines == ["2", "4", "5"]
    assert "Wrong check digit" in page and "values, but the header has 4 columns" in page
    assert "/data/apply" not in page
    assert Product.select().count() == 0
    report = client.get(f"/data/uploads/{token_in(response)}/errors.csv")
    assert [row[0] for row in read_export(report)] == ["line", "2", "4", "5"]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "The file is empty."),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml", "not a text file"),
    (b"sku,name,price\r\nA,\x81\x8d,1\r\n", "neither UTF-8 nor Windows-1252"),
])
def test_unreadable_uploads_explain_themselves(as_role, upload_folder, data, message):
    response = upload(as_role("manager"), "products", data, "products.xlsx")

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert Product.select().count() == 0


def test_no_file_chosen_is_a_form_error(as_role, upload_folder):
    client = as_role("manager")

    response = client.post("/data/upload", data={"kind": "stock",
                                                 "csrf_token": csrf_token(client, "/data/")},
                           content_type="multipart/form-data")

    assert response.status_code == 400
    assert "Choose a CSV file." in response.get_data(as_text=True)


def test_a_50_mb_upload_is_refused_with_413_and_changes_nothing(as_role, product,
                                                                 upload_folder):
    client = as_role("manager")
    huge = b"sku,name,price\r\n" + b"X-1,Huge,1.00\r\n" * (50 * 1024 * 1024 // 15)

    response = upload(client, "products", huge)

    assert response.status_code == 413
    assert "The upload is too large." in response.get_data(as_text=True)
    assert Product.select().count() == 1
    assert not upload_folder.exists() or not any(upload_folder.iterdir())


def test_apply_with_an_unknown_or_expired_token_fails_clearly(as_role, upload_folder):
    client = as_role("manager")
    token = token_in(upload(client, "products", GOOD))
    day_ago = time.time() - 25 * 3600
    for path in upload_folder.iterdir():
        os.utime(path, (day_ago, day_ago))

    expired = apply(client, token)
    unknown = apply(client, "A" * 32)
    traversal = apply(client, "../../secret_key")

    for response in (expired, unknown, traversal):
        assert response.status_code == 410
        assert "Please upload the file again." in response.get_data(as_text=True)
    assert Product.select().count() == 0
    assert list(upload_folder.iterdir()) == []  # the expired upload is gone


def test_another_users_upload_cannot_be_applied(app, as_role, users, upload_folder):
    token = token_in(upload(as_role("manager"), "products", GOOD))
    other = app.test_client()
    from tests.conftest import login
    login(other, users["admin"])

    assert apply(other, token).status_code == 410
    assert Product.select().count() == 0


def test_discard_deletes_the_kept_upload(as_role, upload_folder):
    client = as_role("manager")
    token = token_in(upload(client, "products", GOOD))

    response = client.post("/data/discard", data={"token": token,
                                                  "csrf_token": csrf_token(client, "/data/")})

    assert response.status_code == 302
    assert list(upload_folder.iterdir()) == []


def test_stock_changed_between_preview_and_apply_shows_the_new_errors(
        as_role, product, stores, upload_folder):
    services.receive_stock(product, stores["BER"], 10)
    client = as_role("manager")
    token = token_in(upload(client, "stock", b"sku;location;on_hand\r\nSNK-1;BER;2\r\n",
                            "bestand.csv"))
    services.reserve_stock(product, stores["BER"], 4, "OMS-9")

    response = apply(client, token)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The data changed since the preview" in page and "are reserved for orders" in page
    assert StockLevel.get(StockLevel.location == stores["BER"]).on_hand == 10
    assert StockMovement.select().count() == 2  # receipt and reservation only


def test_htmx_upload_gets_the_page_it_selects_main_from(as_role, upload_folder):
    response = upload(as_role("manager"), "products", GOOD, **{"HX-Request": "true"})

    assert response.status_code == 200
    assert '<main id="main"' in response.get_data(as_text=True)


# -- exports ---------------------------------------------------------------------------

def test_product_export_is_excel_csv_and_defuses_formulas(as_role, ctx):
    make_product("EVIL", name='=HYPERLINK("http://evil.example","Rabatt")', price=Decimal(
        "1234.50"), ean="4006381333931")

    response = as_role("manager").get("/data/export/products.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, row = read_export(response)
    assert header == ["sku", "ean", "name", "brand", "category", "price", "weight_grams",
                      "tags", "active"]
    assert row[2] == '\'=HYPERLINK("http://evil.example","Rabatt")'
    assert (row[1], row[5], row[8]) == ("4006381333931", "1234,50", "1")


def test_an_export_can_be_imported_again_unchanged(as_role, stores, upload_folder):
    first = make_product("-RT-0", ean="4006381333931", tags="high-demand bulky",
                         name='=HYPERLINK("http://evil.example","Rabatt")', brand="-Brand")
    Location.update(name="+Lager", city="@Hamburg").where(Location.code == "HAM").execute()
    make_product("RT-1", price=Decimal("1234.50"))
    services.receive_stock(first, stores["BER"], 4)
    services.set_safety_stock(first, stores["BER"], 1)
    client = as_role("admin")

    for kind in ("products", "locations", "stock"):
        exported = client.get(f"/data/export/{kind}.csv").get_data()
        assert re.search(rb"[;\n\"]'[-+=@]", exported), kind  # formula-like cells guarded
        page = upload(client, kind, exported, f"{kind}.csv").get_data(as_text=True)

        assert "there is nothing to change" in page, kind


def test_stock_export_filters_by_location(as_role, product, stores):
    services.receive_stock(product, stores["BER"], 5)
    services.receive_stock(product, stores["HAM"], 7)
    services.reserve_stock(product, stores["HAM"], 2, "OMS-1")
    client = as_role("manager")

    everything = read_export(client.get("/data/export/stock.csv"))
    hamburg = read_export(client.get("/data/export/stock.csv?location=ham"))

    assert everything[0] == ["sku", "name", "location", "on_hand", "reserved", "safety_stock",
                             "available", "bin"]
    assert len(everything) == 3
    assert hamburg[1:] == [["SNK-1", "Runner schwarz", "HAM", "7", "2", "0", "5", ""]]
    assert client.get("/data/export/stock.csv?location=NOPE").status_code == 404
    assert client.get("/data/export/orders.csv").status_code == 404


def test_locations_export_lists_every_location(as_role, stores):
    rows = read_export(as_role("manager").get("/data/export/locations.csv"))

    assert [row[0] for row in rows[1:]] == ["BER", "HAM", "WH"]
    assert rows[1][7:9] == ["52,52", "13,4"]
