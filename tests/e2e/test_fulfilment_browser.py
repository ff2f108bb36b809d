"""The work queue and the pack screen in a real browser: a logistics user accepts, picks,
packs (two parcels) and ships a warehouse fulfilment, and packs three orders in one batch
and prints their labels and pick list into a new tab. The labels are read back the way a
scanner would (pdftoppm + zbarimg); the first one is saved beside the screenshots."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from portal.inventory import services as stock
from portal.shipping.models import Parcel, Shipment
from tests.barcodes import render_page, tool, zbarimg
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_roles_browser import logged_in_as
from tests.fulfilment.conftest import fulfilments, paid_order
from tests.inventory.conftest import make_product

pytestmark = pytest.mark.browser

# Three customers for the batch; umlauts and a long street show how the label copes.
CUSTOMERS = [
    {"customer_name": "Jürgen Weißmüller", "ship_name": "Jürgen Weißmüller",
     "ship_street": "Karl-Liebknecht-Straße 145, Hinterhaus 3. OG", "ship_postcode": "04275",
     "ship_city": "Leipzig"},
    {"customer_name": "Ayşe Öztürk", "ship_name": "Ayşe Öztürk",
     "ship_street": "Hohenzollernring 12", "ship_postcode": "50672", "ship_city": "Köln"},
    {"customer_name": "Erika Mustermann", "ship_name": "Erika Mustermann",
     "ship_street": "Unter den Linden 1", "ship_postcode": "10117", "ship_city": "Berlin"},
]


def warehouse_with_caps(stores, units: int):
    """The warehouse with a real address (the label's sender) and caps on its shelf."""
    warehouse = stores["WH"]
    warehouse.street, warehouse.postcode, warehouse.city = "Industriestr. 12", "34123", "Kassel"
    warehouse.save()
    cap = make_product("CAP-1", name="Kappe Nordlicht", weight_grams=300)
    stock.receive_stock(cap, warehouse, units)
    return cap


def open_queue(page):
    page.locator("nav.mainnav").get_by_role("link", name="Fulfilment", exact=True).click()
    expect(page.locator("main h1")).to_contain_text("WH")


def watch_new_tabs(page, problems) -> None:
    """Report problems in tabs ``page`` opens (the fixture watches ``page`` only) the same
    way: context-wide listeners, so the new tab's first response is seen as well."""
    def elsewhere(owner) -> bool:
        return owner is not None and owner != page

    def from_new_tab(request) -> bool:
        try:
            return request.frame.page != page
        except PlaywrightError:  # a new tab's first navigation: sent before its frame exists
            return True

    def on_console(message):
        if message.type == "error" and elsewhere(message.page):
            problems.add(f"console error in a new tab: {message.text}")

    def on_response(response):
        if response.status >= 400 and from_new_tab(response.request):
            problems.add(f"HTTP {response.status} in a new tab: {response.request.method} "
                         f"{response.url}")

    def on_failed(request):
        if request.failure != "net::ERR_ABORTED" and from_new_tab(request):
            problems.add(f"request failed in a new tab: {request.method} {request.url}: "
                         f"{request.failure}")

    context = page.context
    context.on("console", on_console)
    context.on("weberror", lambda error: elsewhere(error.page) and problems.add(
        f"uncaught exception in a new tab: {error.error}"))
    context.on("response", on_response)
    context.on("requestfailed", on_failed)


def print_into_new_tab(page, button, url_glob: str):
    """Click a print button that submits into a new tab; (the tab, the server's answer).

    Chromium shows a PDF in its viewer, and the tab's response body is then the viewer's
    HTML, not the PDF. So the request the browser sends is let through a route that keeps
    the server's answer (status, headers, bytes) and hands it on to the tab unchanged."""
    answers = []

    def keep(route):
        answer = route.fetch()
        answers.append({"request": route.request.post_data or "", "status": answer.status,
                        "headers": answer.headers, "body": answer.body()})
        route.fulfill(response=answer)

    page.context.route(url_glob, keep)
    try:
        with page.expect_popup() as opened:
            button.click()
        tab = opened.value
        tab.wait_for_load_state()
    finally:
        page.context.unroute(url_glob, keep)
    assert len(answers) == 1, f"expected one request to {url_glob}, saw {len(answers)}"
    return tab, answers[0]


def pdf_viewer_pages(tab):
    """The page thumbnails of Chromium's PDF viewer in ``tab`` (its extension frame; the
    locator pierces the viewer's open shadow roots): what the person sees in the tab."""
    def is_viewer(frame) -> bool:
        return frame.url.startswith("chrome-extension://")

    viewer = next((f for f in tab.frames if is_viewer(f)), None) \
        or tab.wait_for_event("framenavigated", is_viewer)
    return viewer.locator("viewer-thumbnail canvas")


def pdf_pages(pdf: bytes, tmp_path) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)
    info = subprocess.run([tool("pdfinfo"), str(path)], capture_output=True, text=True,  # noqa: S603
                          check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info)[1])


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    return subprocess.run([tool("pdftotext"), "-layout", str(path), "-"],  # noqa: S603
                          capture_output=True, text=True, check=True).stdout


def assert_pdf(answer: dict, tmp_path) -> int:
    assert answer["status"] == 200
    assert answer["headers"]["content-type"] == "application/pdf"
    assert answer["body"].startswith(b"%PDF-")
    return pdf_pages(answer["body"], tmp_path)


def test_logistics_ships_a_warehouse_fulfilment(page, screenshot, users, stores):
    warehouse_with_caps(stores, 5)
    order = paid_order(("CAP-1", 2))
    number = f"{order.number}-1"

    logged_in_as(page, users["logistics"])
    open_queue(page)
    row = page.locator("#queue tbody tr", has_text=number)
    expect(row).to_contain_text("Assigned")
    expect(row).to_contain_text("CAP-1 × 2")
    screenshot("fulfilment-queue-assigned")

    for button, status in (("Accept", "Accepted"), ("Start picking", "Picking")):
        row.get_by_role("button", name=button, exact=True).click()
        expect(page.locator("#queue .report")).to_contain_text(f"{number}: {status}.")
        expect(row).to_contain_text(status)
    # A part that travels is packed on the pack screen, not with a one-click step.
    expect(row.get_by_role("button", name="Packed", exact=True)).to_have_count(0)
    pack = row.get_by_role("link", name="Pack…", exact=True)
    expect(pack).to_be_visible()
    screenshot("fulfilment-queue-picking")

    pack.click()
    expect(page).to_have_url(re.compile(rf"/fulfilment/{fulfilments(order)[0].id}/pack$"))
    expect(page.locator("main h1")).to_contain_text(f"Pack {number}")
    expect(page.locator("main h1 .badge")).to_have_text("Picking")
    articles = page.locator("section.card", has=page.get_by_role("heading", name="Articles"))
    expect(articles.locator("tbody tr")).to_have_text([re.compile(r"CAP-1\s*Kappe Nordlicht\s*2")])
    first = page.get_by_role("group", name="Parcel 1")
    # The suggested weight: 2 × 300 g and a little for the box.
    expect(first.get_by_label("Weight (kg)")).to_have_value("0.7")
    expect(page.get_by_role("group", name="Parcel 2")).to_have_count(0)
    screenshot("fulfilment-pack-screen")

    first.get_by_label("Weight (kg)").fill("1,2")  # a German decimal comma is fine
    first.get_by_label("Length (cm)").fill("40")
    first.get_by_label("Width (cm)").fill("30")
    first.get_by_label("Height (cm)").fill("20")
    page.get_by_role("button", name="Add a parcel", exact=True).click()
    second = page.get_by_role("group", name="Parcel 2")
    expect(second).to_be_visible()
    expect(second.get_by_label("Weight (kg)")).to_be_focused()
    expect(first.get_by_label("Weight (kg)")).to_have_value("1,2")  # what was typed stays
    expect(first.get_by_label("Height (cm)")).to_have_value("20")
    second.get_by_label("Weight (kg)").fill("0.8")
    screenshot("fulfilment-pack-two-parcels")

    page.get_by_role("button", name="Packed: create shipment", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text(f"{number} is packed; print its labels.")
    expect(page.locator("main h1 .badge")).to_have_text("Packed")
    shipment = Shipment.get(Shipment.order == order.id)
    boxes = list(Parcel.select().where(Parcel.shipment == shipment).order_by(Parcel.parcel_no))
    assert [(float(b.weight_kg), b.length_cm, b.width_cm, b.height_cm) for b in boxes] == [
        (1.2, 40, 30, 20), (0.8, 0, 0, 0)]
    card = page.locator("section.card", has=page.get_by_role("heading", name="Shipment"))
    expect(card).to_contain_text(shipment.tracking_number)
    expect(card.locator("ul li")).to_have_text([
        re.compile(rf"Parcel 1: 1\.2 kg · 40×30×20 cm · SSCC {boxes[0].sscc}$"),
        re.compile(rf"Parcel 2: 0\.8 kg · SSCC {boxes[1].sscc}$")])
    for name in ("Labels 4×6″", "Labels A4", "ZPL for thermal printers"):
        expect(card.get_by_role("link", name=name, exact=True)).to_be_visible()
    screenshot("fulfilment-pack-shipment")

    card.get_by_role("button", name="Handed to the carrier", exact=True).click()
    expect(page).to_have_url(re.compile(r"/fulfilment/\?location=WH$"))
    expect(page.locator(".flash-success")).to_contain_text(f"{number}: Shipped.")
    row = page.locator("#queue tbody tr", has_text=number)
    expect(row.locator(".badge.fulfilment-shipped")).to_have_text("Shipped")
    expect(row.get_by_role("link", name=shipment.tracking_number, exact=True)).to_be_visible()
    screenshot("fulfilment-queue-shipped")

    row.get_by_role("link", name=order.number).click()
    expect(page.locator("h1 .badge")).to_have_text("Shipped")
    timeline = page.locator("section.card", has=page.get_by_role("heading", name="Timeline",
                                                                  exact=True))
    expect(timeline).to_contain_text("In fulfilment")
    expect(page.locator("main")).to_contain_text(shipment.tracking_number)
    screenshot("fulfilment-order-shipped")


def test_logistics_packs_and_prints_labels_for_three_orders_in_one_batch(
        page, screenshot, users, stores, browser_problems, tmp_path):
    warehouse_with_caps(stores, 10)
    orders = [paid_order(("CAP-1", 1), **customer) for customer in CUSTOMERS]
    numbers = [f"{order.number}-1" for order in orders]
    watch_new_tabs(page, browser_problems)

    logged_in_as(page, users["logistics"])
    open_queue(page)
    rows = {number: page.locator("#queue tbody tr", has_text=number) for number in numbers}
    bulk = page.locator("#bulk-form")
    expect(bulk).to_contain_text("Selected rows:")

    def select_all_three():
        for number in numbers:
            page.get_by_label(f"Select {number}", exact=True).check()

    for button, status in (("Accept", "Accepted"), ("Start picking", "Picking"),
                           ("Packed", "Packed")):
        select_all_three()
        if button == "Accept":
            screenshot("fulfilment-batch-selected")
        bulk.get_by_role("button", name=button, exact=True).click()
        report = page.locator("#queue .report")
        for number in numbers:  # each row's own line: the report of this step, not the last
            expect(report).to_contain_text(f"{number}: {status}.")
            expect(rows[number].locator(".badge.fulfilment-" + status.lower())).to_have_text(
                status)
        expect(report).to_contain_text("3 of 3 rows done.")

    shipments = {s.order_id: s for s in Shipment.select()}
    assert sorted(shipments) == sorted(order.id for order in orders)  # one shipment each
    tracking = {number: shipments[order.id].tracking_number
                for number, order in zip(numbers, orders, strict=True)}
    for number in numbers:
        expect(rows[number].get_by_role("link", name=tracking[number], exact=True)).to_be_visible()
    screenshot("fulfilment-batch-packed")

    select_all_three()
    tab, labels = print_into_new_tab(
        page, bulk.get_by_role("button", name="Labels 4×6″", exact=True), "**/fulfilment/labels")
    assert tab.url.endswith("/fulfilment/labels")
    assert "format=4x6" in labels["request"]
    ids = re.findall(r"(?:^|&)ids=(\d+)", labels["request"])
    assert sorted(map(int, ids)) == sorted(fulfilments(o)[0].id for o in orders)
    assert labels["headers"]["content-disposition"].startswith("inline;")
    assert assert_pdf(labels, tmp_path) == 3  # one default parcel each
    expect(pdf_viewer_pages(tab)).to_have_count(3)
    tab.screenshot(path=str(SCREENSHOTS / "fulfilment-batch-labels-tab.png"))
    tab.close()

    sscc_of = {s.tracking_number: Parcel.get(Parcel.shipment == s).sscc
               for s in shipments.values()}
    printed = []
    for number in range(1, 4):
        image = render_page(labels["body"], tmp_path, page=number)
        if number == 1:
            shutil.copy(image, SCREENSHOTS / "fulfilment-batch-label-1.png")
        codes = zbarimg(image).splitlines()
        code128 = [c.removeprefix("CODE-128:") for c in codes if c.startswith("CODE-128:")]
        on_page = [c for c in code128 if c in sscc_of]
        assert len(on_page) == 1, f"page {number}: {codes}"
        tracking_number = on_page[0]
        printed.append(tracking_number)
        assert f"00{sscc_of[tracking_number]}" in code128, f"page {number}: {codes}"  # GS1-128
        qr = [c.removeprefix("QR-Code:") for c in codes if c.startswith("QR-Code:")]
        assert len(qr) == 1 and qr[0].endswith(f"/track/parcel/{tracking_number}"), codes
    assert sorted(printed) == sorted(tracking.values())
    by_id = {s.fulfillment_id: s.tracking_number for s in shipments.values()}
    assert printed == [by_id[int(i)] for i in ids]  # in the order of the selected rows

    # The selection survives printing (the queue stayed as it was): the pick list next.
    for number in numbers:
        expect(page.get_by_label(f"Select {number}", exact=True)).to_be_checked()
    tab, pick_list = print_into_new_tab(
        page, bulk.get_by_role("button", name="Pick list", exact=True), "**/fulfilment/pick-list")
    assert tab.url.endswith("/fulfilment/pick-list")
    assert assert_pdf(pick_list, tmp_path) >= 1
    text = pdf_text(pick_list["body"], tmp_path)
    assert "CAP-1" in text
    assert all(number in text for number in numbers), text
    expect(pdf_viewer_pages(tab)).to_have_count(pdf_pages(pick_list["body"], tmp_path))
    tab.screenshot(path=str(SCREENSHOTS / "fulfilment-batch-pick-list-tab.png"))
    tab.close()
    screenshot("fulfilment-batch-printed")
