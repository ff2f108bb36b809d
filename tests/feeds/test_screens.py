"""The feed screens: the supplier page's section, adding and editing a feed with its
checks, the report, *Import now*, and the stale notice on the logistics dashboard."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from portal.audit.models import AuditEvent
from portal.db import utcnow
from portal.feeds.models import SupplierFeed
from tests.conftest import csrf_token, make_store
from tests.feeds.conftest import levels_at, make_feed, opening_stock

FORM = {"name": "Nordwest stock", "location": "SUP-BI", "active": "y", "source": "folder",
        "folder": "nordwest", "filename_pattern": "*.csv", "format": "csv", "delimiter": ";",
        "encoding": "utf-8", "sku_column": "Artikel", "quantity_column": "Bestand",
        "stale_after_hours": "24", "every_minutes": "60"}


def _post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/")})


def test_the_supplier_page_lists_feeds_with_status_and_stale_badge(as_role, supplier, drop_dir):
    make_feed(supplier, last_status="failed", last_error="The server answered HTTP 500.",
              last_run_at=utcnow(), last_report=json.dumps({"errors": []}))

    page = as_role("logistics").get("/suppliers/NORDWEST").get_data(as_text=True)

    assert "Stock feeds" in page and "Nordwest stock" in page
    assert "Failed" in page and "stale" in page and "HTTP 500" in page
    assert "/suppliers/NORDWEST/feeds/1/report" in page.replace(f"/{_id()}/", "/1/")
    assert "Add a feed" not in page and "Import now" not in page  # logistics only reads


def _id():
    return SupplierFeed.select().first().id


def test_a_manager_adds_a_folder_feed_and_imports_it_now(as_role, supplier, drop_dir):
    opening_stock(supplier.location, {})
    (drop_dir / "nordwest" / "stock.csv").write_text("Artikel;Bestand\nA-1;4\n")
    client = as_role("manager")
    assert "SUP-BI" in client.get("/suppliers/NORDWEST/feeds/new").get_data(as_text=True)

    response = _post(client, "/suppliers/NORDWEST/feeds/new", FORM)

    assert response.status_code == 302, response.get_data(as_text=True)
    feed = SupplierFeed.get()
    assert feed.columns == {"sku": "Artikel", "quantity": "Bestand"} and feed.source == "folder"
    assert AuditEvent.select().where(AuditEvent.action == "supplier_feed.created").exists()

    done = _post(client, f"/suppliers/NORDWEST/feeds/{feed.id}/import", {})

    assert done.status_code == 302 and levels_at(supplier.location) == {"A-1": 4}
    page = client.get("/suppliers/NORDWEST").get_data(as_text=True)
    assert "Imported" in page and "stale" not in page
    report = client.get(f"/suppliers/NORDWEST/feeds/{feed.id}/report")
    assert report.status_code == 200 and "stock.csv" in report.get_data(as_text=True)


def test_the_report_says_the_next_file_was_compared_with_the_previous_one(as_role, supplier,
                                                                          drop_dir):
    import os

    opening_stock(supplier.location, {})
    feed = make_feed(supplier)
    folder = drop_dir / "nordwest"
    client = as_role("manager")
    (folder / "day1.csv").write_text("Artikel;Bestand\nA-1;4\nA-2;5\n")
    _post(client, f"/suppliers/NORDWEST/feeds/{feed.id}/import", {})
    day2 = folder / "day2.csv"
    day2.write_text("Artikel;Bestand\nA-1;4\nA-2;6\n")
    later = (folder / "day1.csv").stat().st_mtime + 60
    os.utime(day2, (later, later))

    _post(client, f"/suppliers/NORDWEST/feeds/{feed.id}/import", {})
    page = client.get(f"/suppliers/NORDWEST/feeds/{feed.id}/report").get_data(as_text=True)

    assert levels_at(supplier.location) == {"A-1": 4, "A-2": 6}
    assert "the previous file: 1 unchanged lines skipped" in page
    assert "counted among those the previous file listed or whose stock moved since" in page


@pytest.mark.parametrize(("changes", "field"), [
    ({"source": "url", "url": "ftp://example.com/stock.csv"}, "url"),
    ({"source": "url", "url": "file:///etc/passwd"}, "url"),
    ({"folder": "../../etc"}, "folder"),
    ({"folder": "/etc"}, "folder"),
    ({"sku_column": ""}, "sku_column"),
    ({"quantity_column": "  "}, "quantity_column"),
    ({"incoming_quantity_column": "Zulauf"}, "incoming_date_column"),
    ({"stale_after_hours": "0"}, "stale_after_hours"),
    ({"format": "json", "encoding": "windows-1252"}, "encoding"),
    ({"location": "BER"}, "location"),
])
def test_bad_settings_are_named_and_nothing_is_saved(as_role, supplier, drop_dir, changes,
                                                     field):
    client = as_role("manager")  # the users' stores include BER

    response = _post(client, "/suppliers/NORDWEST/feeds/new", {**FORM, **changes})

    assert response.status_code == 400
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert SupplierFeed.select().count() == 0


def test_a_location_has_one_feed_and_another_suppliers_warehouse_is_refused(
        as_role, supplier, drop_dir, users):
    from portal.suppliers.services import create_supplier

    make_store("SUP-NL", "Venlo", 51.3, 6.1, kind="supplier", country="NL")
    create_supplier({"code": "VANDIJK", "name": "Van Dijk", "lead_time_days": 2,
                     "countries": "NL", "location": "SUP-NL"}, users["manager"])
    make_feed(supplier)
    client = as_role("manager")

    taken = _post(client, "/suppliers/NORDWEST/feeds/new", FORM)
    foreign = _post(client, "/suppliers/NORDWEST/feeds/new", {**FORM, "location": "SUP-NL"})

    assert taken.status_code == foreign.status_code == 400
    assert "has a feed already" in taken.get_data(as_text=True)
    assert "warehouse of supplier VANDIJK" in foreign.get_data(as_text=True)


def test_editing_a_feed_keeps_its_results_and_forgets_the_checksum(as_role, supplier,
                                                                   drop_dir):
    feed = make_feed(supplier, last_checksum="abc", last_status="ok", last_rows=7)
    client = as_role("manager")
    form = client.get(f"/suppliers/NORDWEST/feeds/{feed.id}/edit").get_data(as_text=True)
    assert 'value="Artikel"' in form

    response = _post(client, f"/suppliers/NORDWEST/feeds/{feed.id}/edit",
                     {**FORM, "delimiter": ",", "active": ""})

    assert response.status_code == 302
    feed = SupplierFeed.get_by_id(feed.id)
    assert (feed.delimiter, feed.active, feed.last_rows, feed.last_checksum) == (",", False, 7, "")


def test_logistics_may_not_change_feeds(as_role, supplier, drop_dir):
    feed = make_feed(supplier)
    client = as_role("logistics")
    assert client.get("/suppliers/NORDWEST/feeds/new").status_code == 403
    assert _post(client, f"/suppliers/NORDWEST/feeds/{feed.id}/import", {}).status_code == 403
    assert client.get("/suppliers/NORDWEST/feeds/999/report").status_code == 404


def test_the_logistics_dashboard_names_stale_feeds(as_role, supplier, drop_dir):
    make_feed(supplier, last_success_at=utcnow() - timedelta(hours=30))

    page = as_role("logistics").get("/").get_data(as_text=True)

    assert "supplier stock feed is out of date" in page and "Nordwest stock" in page
