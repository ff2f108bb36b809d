"""Pick lists: rows in walking order (bins, then "No bin" per category), promised units
marked, every fulfilment scannable; who may print which rows; bins set by the stock CSV."""

from __future__ import annotations

import subprocess
import time
from datetime import date, timedelta

import pytest

from portal.fulfilment.picklist import bin_key, render_pick_list
from portal.fulfilment.services import advance
from portal.inventory import services as stock
from portal.inventory.imports import EXPORT_COLUMNS, apply_import, export_rows, preview_import
from portal.inventory.models import IncomingStock, StockLevel, StockMovement
from portal.orders.models import Reservation
from portal.returns.transfers import create_transfer
from tests.barcodes import decode_pdf, tool
from tests.conftest import csrf_token
from tests.fulfilment.conftest import fulfilments, paid_order
from tests.inventory.conftest import make_product

# SKU → (bin at BER, category); listed in the order the pick list must show them.
ARTICLES = {"BOOT-7": ("A-2-1", "Shoes"), "BOOT-3": ("a-2-3", "Shoes"),
            "SOCK-1": ("A-10-1", "Socks"), "BELT-1": ("B-1", "Belts"),
            "CAP-9": ("", "Caps"), "SHOE-2": ("", "Shoes"), "MISC-1": ("", "")}


def text_of(pdf: bytes, tmp_path) -> str:
    source = tmp_path / "list.pdf"
    source.write_bytes(pdf)
    return subprocess.run([tool("pdftotext"), "-layout", str(source), "-"],  # noqa: S603
                          capture_output=True, text=True, check=True).stdout


def page_count(pdf: bytes, tmp_path) -> int:
    return text_of(pdf, tmp_path).count("\f")


def set_bin(product, location, place: str) -> None:
    StockLevel.update(bin=place).where(StockLevel.product == product,
                                       StockLevel.location == location).execute()


@pytest.fixture
def binned(shelf, stores):
    """Articles at BER with and without bins, in three categories and none."""
    made = {}
    for sku, (place, category) in ARTICLES.items():
        made[sku] = make_product(sku, category=category, ean=None, name=f"Article {sku}")
        stock.receive_stock(made[sku], stores["BER"], 20)
        set_bin(made[sku], stores["BER"], place)
    return made


def at_ber(*lines):
    return fulfilments(paid_order(*lines, sources={sku: "BER" for sku, _q in lines}))[0]


def test_bins_sort_in_walking_order():
    places = ["B-1", "A-10-1", "a-2-3", "A-2-1", "A-02-2", "10", "9"]
    assert sorted(places, key=bin_key) == ["9", "10", "A-2-1", "A-02-2", "a-2-3", "A-10-1",
                                           "B-1"]


def test_rows_follow_the_bins_then_no_bin_per_category(ctx, binned, stores, tmp_path):
    first = at_ber(("SOCK-1", 2), ("CAP-9", 1), ("BOOT-7", 1), ("MISC-1", 1))
    second = at_ber(("SHOE-2", 1), ("BELT-1", 1), ("BOOT-7", 3), ("BOOT-3", 1))

    text = text_of(render_pick_list(stores["BER"], [second, first]), tmp_path)

    positions = [text.index(sku) for sku in ARTICLES]
    assert positions == sorted(positions), text
    headings = [text.index(h) for h in ("No bin · Caps", "No bin · Shoes",
                                        "No bin · no category")]
    assert headings == sorted(headings)
    assert text.index("B-1") < headings[0] < text.index("CAP-9") < headings[1]
    assert headings[1] < text.index("SHOE-2") < headings[2] < text.index("MISC-1")
    assert "2 fulfilments · 11 units · 7 products" in text
    rows = text.splitlines()
    at = next(i for i, line in enumerate(rows) if "BOOT-7" in line)
    boot = rows[at]
    assert "A-2-1" in boot and " 4 " in boot  # 1 + 3 summed, with who needs how many
    needs = " ".join(rows[at:at + 2])  # the "for" cell may wrap onto a second line
    assert f"{first.number} ×1" in needs and f"{second.number} ×3" in needs
    sock = next(line for line in text.splitlines() if "SOCK-1" in line)
    assert first.number in sock and "×" not in sock  # one fulfilment: no split needed
    assert "Page 1 of 2" in text and "Page 2 of 2" in text


def test_promised_units_are_marked(ctx, binned, stores, tmp_path):
    part = at_ber(("SOCK-1", 2))
    due = date.today() + timedelta(days=4)
    delivery = IncomingStock.create(product=binned["SOCK-1"], location=stores["BER"],
                                    quantity=5, expected_on=due, source="transfer")
    Reservation.update(status="promised", incoming=delivery).execute()

    text = text_of(render_pick_list(stores["BER"], [part]), tmp_path)

    assert "Not on the shelf yet: 2, incoming" in text
    assert "2 units are not on the shelf yet" in text


def test_counts_of_one_are_singular(ctx, binned, stores, tmp_path):
    part = at_ber(("SOCK-1", 1))
    delivery = IncomingStock.create(product=binned["SOCK-1"], location=stores["BER"],
                                    quantity=5, expected_on=date.today(), source="transfer")
    Reservation.update(status="promised", incoming=delivery).execute()

    text = text_of(render_pick_list(stores["BER"], [part], left_out=1), tmp_path)

    assert "1 fulfilment · 1 unit · 1 product" in text
    assert "1 unit is not on the shelf yet (incoming delivery)." in text
    assert "1 more fulfilment is not on this list." in text
    assert "For fulfilment" in text and "For fulfilments" not in text
    assert "fulfilments" not in text and " units" not in text and "products" not in text


def test_a_transfers_list_names_transfers(ctx, binned, stores, users, tmp_path):
    transfer = create_transfer(stores["BER"], stores["HAM"], [(binned["SOCK-1"], 2)],
                               users["manager"])
    lines = {transfer.id: [{"sku": "SOCK-1", "name": "Article SOCK-1", "quantity": 2,
                            "promised_until": None}]}

    text = text_of(render_pick_list(stores["BER"], [transfer], lines=lines, job="transfer"),
                   tmp_path)

    assert "1 transfer · 2 units · 1 product" in text
    assert "For transfer" in text and transfer.number in text
    assert "fulfilment" not in text.lower()


def test_every_fulfilment_barcode_scans_as_its_number(ctx, binned, stores, tmp_path):
    parts = [at_ber(("SOCK-1", 1)) for _ in range(5)]
    pdf = render_pick_list(stores["BER"], parts)

    found = decode_pdf(pdf, tmp_path, page=page_count(pdf, tmp_path))

    assert sorted(found) == sorted(f"CODE-128:{part.number}" for part in parts)


def test_a_long_list_repeats_the_table_header_on_every_page(ctx, shelf, stores, tmp_path):
    parts = []
    for n in range(30):
        pair = [make_product(f"L-{n}-{k}", ean=None) for k in (1, 2)]
        for product in pair:
            stock.receive_stock(product, stores["BER"], 1)
            set_bin(product, stores["BER"], f"R-{n}-{3 - len(parts) % 3}")
        parts.append(at_ber(*((p.sku, 1) for p in pair)))

    pages = text_of(render_pick_list(stores["BER"], parts), tmp_path).split("\f")[:-1]

    table = [page for page in pages if "For fulfilments" in page]
    assert len(table) >= 2 and len(pages) == len(table) + 2  # 30 to scan: two pages
    assert all("Pick list" in page and "Berlin Mitte" in page for page in pages)
    assert [f"Page {n} of {len(pages)}" in page for n, page in enumerate(pages, 1)] == [
        True] * len(pages)
    walk = [int(line.split()[0].split("-")[1]) for page in table
            for line in page.splitlines() if line.strip().startswith("R-")]
    assert walk == sorted(walk) and len(walk) == 60


# -- routes ----------------------------------------------------------------------------

def test_selected_rows_print_as_one_pdf(as_role, binned, tmp_path):
    parts = [at_ber(("BOOT-7", 1)), at_ber(("SOCK-1", 2))]
    client = as_role("employee")
    token = csrf_token(client, "/fulfilment/")

    answer = client.post("/fulfilment/pick-list", data={
        "csrf_token": token, "location": "BER", "ids": [p.id for p in parts]})

    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    disposition = answer.headers["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert "filename=pick-list-BER-" in disposition and disposition.endswith(".pdf")
    assert all(p.number in text_of(answer.data, tmp_path) for p in parts)


def test_another_stores_rows_are_not_found(as_role, shelf):
    ham = fulfilments(paid_order(("SNK-1", 1), sources={"SNK-1": "HAM"}))[0]
    ber = fulfilments(paid_order(("SNK-1", 1), sources={"SNK-1": "BER"}))[0]
    client = as_role("employee")
    token = csrf_token(client, "/fulfilment/")

    answer = client.post("/fulfilment/pick-list",
                         data={"csrf_token": token, "ids": [ber.id, ham.id]})

    assert answer.status_code == 404
    assert client.get("/fulfilment/pick-list.pdf?location=HAM").status_code == 404


def test_no_selection_and_mixed_locations_are_refused(as_role, shelf):
    ham = fulfilments(paid_order(("SNK-1", 1), sources={"SNK-1": "HAM"}))[0]
    ber = fulfilments(paid_order(("SNK-1", 1), sources={"SNK-1": "BER"}))[0]
    client = as_role("manager")
    token = csrf_token(client, "/fulfilment/")

    empty = client.post("/fulfilment/pick-list", data={"csrf_token": token, "location": "BER"})
    assert empty.status_code == 302 and "location=BER" in empty.location
    assert "Select rows" in client.get(empty.location).get_data(as_text=True)
    mixed = client.post("/fulfilment/pick-list", data={"csrf_token": token,
                                                       "ids": [ber.id, ham.id]},
                        follow_redirects=True)
    assert "for one location" in mixed.get_data(as_text=True)
    too_many = client.post("/fulfilment/pick-list", data={"csrf_token": token,
                                                          "ids": list(range(1, 202))},
                           follow_redirects=True)
    assert "at most 200 rows" in too_many.get_data(as_text=True)
    assert client.post("/fulfilment/pick-list",
                       data={"ids": [ber.id]}).status_code == 400  # no CSRF token


def test_a_whole_queue_prints_accepted_and_picking_by_default(as_role, shelf, users,
                                                              tmp_path):
    waiting, accepted, picking = (at_ber(("SNK-1", 1)) for _ in range(3))
    advance(accepted, "accepted", users["employee"])
    for step in ("accepted", "picking"):
        advance(picking, step, users["employee"])
    client = as_role("employee")

    default = text_of(client.get("/fulfilment/pick-list.pdf").data, tmp_path)
    assigned = client.get("/fulfilment/pick-list.pdf?location=BER&status=assigned")

    assert accepted.number in default and picking.number in default
    assert waiting.number not in default
    assert assigned.mimetype == "application/pdf"
    only = text_of(assigned.data, tmp_path)
    assert waiting.number in only and accepted.number not in only


def test_two_hundred_fulfilments_render_fast_on_few_pages(as_role, binned, stores,
                                                          tmp_path):
    for sku in ARTICLES:
        stock.receive_stock(binned[sku], stores["BER"], 200)
    skus = list(ARTICLES)
    parts = [at_ber((skus[n % 7], 1), (skus[(n + 3) % 7], 2)) for n in range(200)]

    started = time.perf_counter()
    pdf = render_pick_list(stores["BER"], parts)
    assert time.perf_counter() - started < 1.0

    client = as_role("employee")
    answer = client.post("/fulfilment/pick-list", data={
        "csrf_token": csrf_token(client, "/fulfilment/"), "ids": [p.id for p in parts]})
    assert answer.mimetype == "application/pdf"
    pages = page_count(answer.data, tmp_path)
    assert pages == page_count(pdf, tmp_path)
    assert 10 <= pages <= 16  # 7 rows, then 20 fulfilments to scan per page
    text = text_of(pdf, tmp_path)
    assert "200 fulfilments · 600 units · 7 products" in text and "and " in text


# -- bins from the stock CSV -----------------------------------------------------------

def test_bins_come_from_the_stock_import_and_go_into_the_export(ctx, shelf, stores, users):
    ledger = StockMovement.select().count()
    data = (b"sku;location;on_hand;bin\r\nSNK-1;BER;3;A-03-2\r\nCAP-1;BER;0;K-1\r\n"
            b"CAP-1;WH;5;\r\n")

    preview = preview_import("stock", data, "bins.csv")
    assert preview.errors == [] and (preview.created, preview.updated) == (1, 1)
    apply_import("stock", data, "bins.csv", users["manager"])

    place = {(row.product.sku, row.location.code): row.bin for row in StockLevel.select()}
    assert place[("SNK-1", "BER")] == "A-03-2" and place[("CAP-1", "BER")] == "K-1"
    assert place[("CAP-1", "WH")] == ""
    assert StockMovement.select().count() == ledger  # a bin is no quantity
    exported = {(row[0], row[2]): row for row in export_rows("stock")}
    assert EXPORT_COLUMNS["stock"][-1] == "bin"
    assert exported[("SNK-1", "BER")][-1] == "A-03-2"
    # a file without the column keeps the bins; a too long bin is refused
    apply_import("stock", b"sku,location,on_hand\r\nSNK-1,BER,4\r\n", "q.csv", users["manager"])
    assert StockLevel.get(StockLevel.bin == "A-03-2").on_hand == 4
    refused = preview_import("stock", b"sku,location,on_hand,bin\r\nSNK-1,BER,4," +
                             b"X" * 21 + b"\r\n", "long.csv")
    assert [(e.line, e.column) for e in refused.errors] == [(2, "bin")]
