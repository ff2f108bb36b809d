"""The stock ledger page and its CSV export: filters, keyset pages, htmx, store scope."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest

from portal.inventory import ledger_queries, services
from portal.inventory.models import StockMovement
from tests.inventory.conftest import make_product

LEDGER = "/stock/ledger/"
EXPORT = "/stock/ledger/export.csv"
ROW_ID = re.compile(r'id="movement-(\d+)"')


def shown(response) -> list[int]:
    """Ids of the ledger rows on a page, in display order."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return [int(i) for i in ROW_ID.findall(response.get_data(as_text=True))]


def ids(**where) -> list[int]:
    """Ids of the ledger rows matching ``where``, newest first."""
    query = StockMovement.select().order_by(StockMovement.at.desc(), StockMovement.id.desc())
    for name, value in where.items():
        query = query.where(getattr(StockMovement, name) == value)
    return [m.id for m in query]


def export_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


@pytest.fixture
def ledger(stores, users, product):
    """Movements of two products in Berlin, Hamburg and the warehouse, by two users."""
    other = make_product("SNK-10", ean="4012345000024", name="Runner weiß")
    services.receive_stock(product, stores["BER"], 10, user=users["manager"],
                           reference="PO-1001", reason="delivery")
    services.receive_stock(product, stores["HAM"], 5, user=users["admin"], reference="PO-2001")
    services.receive_stock(other, stores["WH"], 20, user=users["logistics"], reference="PO-3001")
    services.adjust_stock(product, stores["BER"], -2, "damage", user=users["employee"],
                          note="box torn")
    services.move_stock(other, stores["WH"], stores["HAM"], 4, user=users["manager"],
                        reference="TR-77")
    services.reserve_stock(product, stores["BER"], 3, "ORD-9", user=users["employee"])
    services.set_safety_stock(product, stores["HAM"], 2, user=users["manager"])
    return {"product": product, "other": other}


def test_the_ledger_lists_every_movement_newest_first(as_role, ledger):
    page = as_role("manager").get(LEDGER)

    assert shown(page) == ids()
    html = page.get_data(as_text=True)
    assert 'href="/stock/products/SNK-1"' in html and "Runner schwarz" in html
    assert "manager@test.example" in html and "Transfer out" in html
    assert '<td class="num">+10</td>' in html and '<td class="num">-2</td>' in html
    assert "8 movements" in html


def test_safety_and_reserved_deltas_are_signed_and_blank_when_zero(as_role, ledger):
    html = as_role("manager").get(LEDGER, query_string={"kind": "safety_stock"}).get_data(
        as_text=True)

    cells = re.findall(r'<td class="num">([^<]*)</td>', html)
    assert cells == ["", "", "+2"]


@pytest.mark.parametrize(("text", "skus"), [
    ("SNK-1", {"SNK-1"}),              # an exact SKU is that product only
    ("snk-1", {"SNK-1"}),
    ("4012345000024", {"SNK-10"}),     # an exact EAN
    ("SNK", {"SNK-1", "SNK-10"}),      # otherwise a prefix of SKU ...
    ("40123450000", {"SNK-1", "SNK-10"}),  # ... or EAN
    ("XYZ", set()),
])
def test_filter_by_sku_or_ean(as_role, ledger, text, skus):
    wanted = [i for sku in sorted(skus) for i in ids(product=ledger_product(ledger, sku))]

    rows = shown(as_role("manager").get(LEDGER, query_string={"sku": text}))

    assert sorted(rows) == sorted(wanted)
    assert bool(rows) == bool(skus)


def ledger_product(ledger, sku):
    return ledger["product"] if sku == "SNK-1" else ledger["other"]


def test_filter_by_location_kind_reference_and_user(as_role, ledger, stores):
    client = as_role("manager")

    assert shown(client.get(LEDGER, query_string={"location": "ham"})) == ids(
        location=stores["HAM"])
    assert shown(client.get(LEDGER, query_string={"kind": "receipt"})) == ids(kind="receipt")
    assert shown(client.get(LEDGER, query_string={"reference": "po-"})) == ids(kind="receipt")
    assert shown(client.get(LEDGER, query_string={"reference": "PO-2"})) == ids(
        reference="PO-2001")
    by_employee = shown(client.get(LEDGER, query_string={"user": "BERLIN@"}))
    assert by_employee == [i for i in ids(location=stores["BER"]) if i not in ids(kind="receipt")]
    combined = client.get(LEDGER, query_string={"location": "BER", "kind": "receipt",
                                                "user": "manager"})
    assert shown(combined) == ids(reference="PO-1001")


def test_filters_combine_with_a_reference_prefix_that_has_wildcards(as_role, ledger):
    assert shown(as_role("manager").get(LEDGER, query_string={"reference": "PO_"})) == []


def test_date_filters_are_inclusive_local_dates(as_role, ledger):
    # Berlin is UTC+1 in January: 23:30 UTC on the 14th is already the 15th there.
    movements = ids()
    StockMovement.update(at=datetime(2026, 1, 10, 12, 0)).execute()
    StockMovement.update(at=datetime(2026, 1, 14, 23, 30)).where(
        StockMovement.id == movements[0]).execute()
    StockMovement.update(at=datetime(2026, 1, 14, 22, 59)).where(
        StockMovement.id == movements[1]).execute()
    client = as_role("manager")

    assert shown(client.get(LEDGER, query_string={"date_from": "2026-01-15"})) == [movements[0]]
    assert shown(client.get(LEDGER, query_string={"date_to": "2026-01-14"})) == movements[1:]
    assert shown(client.get(LEDGER, query_string={"date_from": "2026-01-14",
                                                  "date_to": "2026-01-14"})) == [movements[1]]
    assert shown(client.get(LEDGER, query_string={"date_from": "2026-01-10",
                                                  "date_to": "2026-01-10"})) == movements[2:]


def test_keyset_pages_walk_the_whole_ledger_without_gaps(as_role, stores, product,
                                                         monkeypatch):
    for n in range(12):
        services.receive_stock(product, stores["BER"], n + 1, reference=f"R-{n}")
    StockMovement.update(at=datetime(2026, 2, 1, 9, 0)).execute()  # equal times: ties by id
    monkeypatch.setattr(ledger_queries, "PER_PAGE", 5)
    client = as_role("manager")

    seen, pages, url = [], [], LEDGER + "?location=BER"
    while url:
        response = client.get(url)
        pages.append(shown(response))
        seen += pages[-1]
        older = re.search(r'href="([^"]+)"[^>]*rel="next"', response.get_data(as_text=True))
        url = older.group(1).replace("&amp;", "&") if older else None

    assert [len(p) for p in pages] == [5, 5, 2]
    assert seen == ids()
    last_page = client.get(LEDGER, query_string={"location": "BER", "before": pages[1][-1]})
    newer = re.search(r'href="([^"]+)"[^>]*rel="prev"', last_page.get_data(as_text=True))
    assert "location=BER" in newer.group(1)
    assert shown(client.get(newer.group(1).replace("&amp;", "&"))) == pages[1]


def test_the_count_is_capped(as_role, ledger, monkeypatch):
    monkeypatch.setattr(ledger_queries, "COUNT_CAP", 3)

    html = as_role("manager").get(LEDGER).get_data(as_text=True)

    assert "More than 3 movements" in html


def test_htmx_gets_only_the_rows_fragment(as_role, ledger):
    client = as_role("manager")

    fragment = client.get(LEDGER, query_string={"kind": "receipt"},
                          headers={"HX-Request": "true", "HX-Target": "ledger-results"})
    boosted = client.get(LEDGER, headers={"HX-Request": "true", "HX-Boosted": "true"})
    restored = client.get(LEDGER, headers={"HX-Request": "true",
                                           "HX-History-Restore-Request": "true"})

    html = fragment.get_data(as_text=True)
    assert "<html" not in html and "<form" not in html
    assert shown(fragment) == ids(kind="receipt")
    assert 'href="/stock/ledger/export.csv?kind=receipt"' in html  # export keeps the filters
    assert "<html" in boosted.get_data(as_text=True)
    assert "<html" in restored.get_data(as_text=True)


def test_the_page_works_as_a_plain_form(as_role, ledger):
    html = as_role("employee").get(LEDGER).get_data(as_text=True)

    assert re.search(r'<form[^>]*method="get"[^>]*action="/stock/ledger/"', html)
    for name in ("sku", "location", "kind", "date_from", "date_to", "reference", "user"):
        assert f'name="{name}"' in html
    assert re.search(r'<a href="/stock/ledger/"[^>]*aria-current="page">Ledger</a>', html)
    assert not re.search(r'href="/stock/"[^>]*aria-current', html)


def test_an_employee_sees_only_the_home_store(as_role, ledger, stores):
    client = as_role("employee")

    assert shown(client.get(LEDGER)) == ids(location=stores["BER"])
    assert shown(client.get(LEDGER, query_string={"location": "HAM"})) == []
    assert shown(client.get(LEDGER, query_string={"sku": "SNK-10"})) == []
    assert shown(client.get(LEDGER, query_string={"user": "admin"})) == []
    html = client.get(LEDGER).get_data(as_text=True)
    assert 'value="HAM"' not in html and 'value="BER"' in html  # location suggestions
    rows = export_rows(client.get(EXPORT, query_string={"location": "HAM"}))
    assert rows[1:] == []
    assert {r[4] for r in export_rows(client.get(EXPORT))[1:]} == {"BER"}


def test_an_employee_cannot_page_into_another_store(as_role, ledger, stores):
    hamburg = ids(location=stores["HAM"])

    rows = shown(as_role("employee").get(LEDGER, query_string={"before": hamburg[0] + 1}))

    assert set(rows) <= set(ids(location=stores["BER"]))


def test_logistics_and_admin_see_all_stores(as_role, ledger):
    assert shown(as_role("logistics").get(LEDGER)) == ids()


def test_csv_export_has_every_column_and_the_filters(as_role, ledger, stores):
    response = as_role("manager").get(EXPORT, query_string={"location": "BER"})

    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = export_rows(response)
    assert rows[0] == ledger_queries.EXPORT_HEADER
    assert len(rows) == 1 + len(ids(location=stores["BER"]))
    receipt = next(r for r in rows if r[5] == "receipt")
    assert receipt[1:] == ["SNK-1", "4012345000017", "Runner schwarz", "BER", "receipt", "10",
                           "0", "0", "delivery", "PO-1001", "manager@test.example"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", receipt[0])
    adjustment = next(r for r in rows if r[5] == "adjustment")
    assert adjustment[6] == "-2" and adjustment[9] == "damage: box torn"


def test_csv_export_walks_every_batch(as_role, stores, product, monkeypatch):
    for n in range(7):
        services.receive_stock(product, stores["BER"], n + 1)
    monkeypatch.setattr(ledger_queries, "EXPORT_BATCH", 3)

    rows = export_rows(as_role("manager").get(EXPORT))

    assert [int(r[6]) for r in rows[1:]] == [7, 6, 5, 4, 3, 2, 1]


def test_csv_export_defuses_formulas(as_role, stores, product):
    services.receive_stock(product, stores["BER"], 1, reason="=HYPERLINK(\"http://x\")",
                           reference="+49")

    rows = export_rows(as_role("manager").get(EXPORT))

    assert rows[1][9] == "'=HYPERLINK(\"http://x\")"
    assert rows[1][10] == "'+49"


@pytest.mark.parametrize("query", [
    {"date_from": "2026-13-45"}, {"date_to": "yesterday"}, {"kind": "teleport"},
    {"date_from": "0001-01-01"}, {"date_to": "9999-12-31"},
    {"before": "abc"}, {"after": "99999999"}, {"location": "NOPE"},
    {"date_from": "2026-02-10", "date_to": "2026-02-01"}, {"sku": "%_%"},
])
def test_bad_filter_input_is_ignored_with_a_hint(as_role, ledger, query):
    client = as_role("manager")

    page = client.get(LEDGER, query_string=query)
    export = client.get(EXPORT, query_string=query)

    assert page.status_code == 200 and export.status_code == 200
    html = page.get_data(as_text=True)
    if {"date_from", "date_to", "kind", "location"} & query.keys():
        assert 'class="flash flash-info"' in html


def test_a_bad_date_is_named_and_the_other_filters_still_apply(as_role, ledger):
    page = as_role("manager").get(LEDGER, query_string={"date_from": "2026-13-45",
                                                        "kind": "receipt"})

    assert "“2026-13-45” is not a date" in page.get_data(as_text=True)
    assert shown(page) == ids(kind="receipt")


def test_the_ledger_needs_a_login(client):
    assert client.get(LEDGER).status_code == 302
    assert client.get(EXPORT).status_code == 302


def test_product_and_location_pages_link_to_the_ledger(as_role, ledger):
    client = as_role("manager")

    product_page = client.get("/stock/products/SNK-1").get_data(as_text=True)
    location_page = client.get("/locations/HAM").get_data(as_text=True)

    assert 'href="/stock/ledger/?sku=SNK-1"' in product_page
    assert 'href="/stock/ledger/?location=HAM"' in location_page
