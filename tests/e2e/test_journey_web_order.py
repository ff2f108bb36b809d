"""A web order's whole life in a real browser, told as one story.

The web shop places a home delivery through the API; the customer pays on the payment
sandbox's hosted page (declined first, then approved) and the order is confirmed only
when the provider's signed webhook arrived; the rules source it to the warehouse; a
logistics clerk accepts it, prints the pick list, packs it, prints and scans the label
and hands it to the carrier; the carrier's webhook reports it delivered and the
customer's tracking page shows the way; the customer brings one article back to a store,
where a clerk takes it back, the money goes back to the card and the article is on the
store's shelf again (stock screen and ledger). Screenshots:
tests/artifacts/screenshots/journeys/web_order_NN_name.png."""

from __future__ import annotations

import re
import shutil
import time
from contextlib import contextmanager
from decimal import Decimal

import httpx
import pytest
from playwright.sync_api import expect

from portal.auth.services import create_api_key
from portal.inventory import services as stock
from portal.inventory.models import StockLevel
from tests.barcodes import decode_pdf, render_page, zbarimg
from tests.e2e.conftest import SCREENSHOTS, TIMEOUT_MS, VIEWPORT
from tests.e2e.test_fulfilment_browser import assert_pdf, pdf_text, print_into_new_tab
from tests.e2e.test_roles_browser import horizontal_overflow, logged_in_as
from tests.inventory.conftest import make_product

pytestmark = pytest.mark.browser

JOURNEY = SCREENSHOTS / "journeys"
RUNNER, SOCKS = "RUN-42", "SOCK-3"
ORDER = {"channel": "web",
         "customer": {"name": "Lena Vogt", "email": "lena.vogt@example.org"},
         "shipping_address": {"name": "Lena Vogt", "street": "Invalidenstraße 117",
                              "postcode": "10115", "city": "Berlin", "country": "DE"},
         "delivery": {"method": "home"},
         "lines": [{"sku": RUNNER, "quantity": 1}, {"sku": SOCKS, "quantity": 2}],
         "shipping_fee": "4.95",
         "payment": {"provider": "sandbox"}}


@pytest.fixture
def retailer(stores):
    """Berlin keeps its last trail runner as safety stock, Hamburg has runners but no
    socks, the warehouse in Kassel has both: the rules should ship from the warehouse."""
    for code, street, postcode, city in (("BER", "Rosenthaler Str. 40", "10178", "Berlin"),
                                         ("HAM", "Mönckebergstr. 7", "20095", "Hamburg"),
                                         ("WH", "Industriestr. 12", "34123", "Kassel")):
        place = stores[code]
        place.street, place.postcode, place.city = street, postcode, city
        place.save()
    runner = make_product(RUNNER, name="Nordlicht Trail Runner Blau", price=Decimal("89.95"),
                          weight_grams=800, category="Schuhe")
    socks = make_product(SOCKS, name="Havel Merino-Socken 3er-Pack", price=Decimal("14.95"),
                         weight_grams=150, category="Socken")
    stock.receive_stock(runner, stores["BER"], 1, reference="LS-1001")
    stock.set_safety_stock(runner, stores["BER"], 1)
    stock.receive_stock(runner, stores["HAM"], 2, reference="LS-1002")
    stock.receive_stock(runner, stores["WH"], 20, reference="PO-2001")
    stock.receive_stock(socks, stores["WH"], 40, reference="PO-2001")
    return {"runner": runner, "socks": socks}


@pytest.fixture
def machines(live_server, ctx):
    """The web shop's and the carrier's API clients, each with its own key."""
    _shop, shop_key = create_api_key("Web shop", ["orders:write", "orders:read"])
    _carrier, carrier_key = create_api_key("House carrier", ["shipments:write"])
    shop = httpx.Client(base_url=live_server, timeout=10,
                        headers={"Authorization": f"Bearer {shop_key}"})
    carrier = httpx.Client(base_url=live_server, timeout=10,
                           headers={"Authorization": f"Bearer {carrier_key}"})
    try:
        yield shop, carrier
    finally:
        shop.close()
        carrier.close()


def snap(page, number: int, name: str) -> None:
    """A full-page screenshot of the journey's step ``number`` once htmx is idle; no step
    may scroll sideways."""
    JOURNEY.mkdir(parents=True, exist_ok=True)
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    page.screenshot(path=str(JOURNEY / f"web_order_{number:02d}_{name}.png"), full_page=True)
    # Hiding the caret leaves style="" on inputs, which htmx would carry over (CSP).
    page.evaluate("document.querySelectorAll('[style=\"\"]')"
                  ".forEach(e => e.removeAttribute('style'))")
    assert horizontal_overflow(page) == 0, f"step {number} ({name}) scrolls sideways"


@contextmanager
def person(browser, live_server, problems):
    """Another person's browser (own cookies), watched like the ``page`` fixture's."""
    context = browser.new_context(viewport=VIEWPORT, base_url=live_server, locale="en-US",
                                  timezone_id="Europe/Berlin")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    context.on("console", lambda m: m.type == "error" and problems.add(
        f"console error: {m.text}"))
    context.on("weberror", lambda error: problems.add(f"uncaught exception: {error.error}"))
    context.on("response", lambda r: r.status >= 400 and problems.add(
        f"HTTP {r.status}: {r.request.method} {r.url}"))
    context.on("requestfailed", lambda r: r.failure != "net::ERR_ABORTED" and problems.add(
        f"request failed: {r.method} {r.url}: {r.failure}"))
    try:
        yield context.new_page()
    finally:
        context.close()


def wait_for(shop: httpx.Client, number: str, status: str, payment: str | None = None) -> dict:
    """The order as the web shop reads it once it is in ``status`` (and its payment in
    ``payment``): the sandbox's webhook comes on its own thread, after the click."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        order = shop.get(f"/api/v1/orders/{number}").json()
        reached = (order["status"], order["payment"]["status"]) == (
            status, payment or order["payment"]["status"])
        if reached or time.monotonic() > deadline:
            assert reached, order
            return order
        time.sleep(0.05)


def on_hand(product, location) -> int:
    return StockLevel.get(StockLevel.product == product, StockLevel.location == location).on_hand


def customer_pays(page, shop: httpx.Client, order: dict) -> None:
    """On the provider's hosted page: a declined card first (the order keeps waiting),
    then one that works; the order is confirmed when the signed webhook arrived."""
    number = order["number"]
    page.goto(order["payment"]["next_action"]["url"])
    expect(page.locator("h1")).to_have_text("Pay €124.80")
    expect(page.locator("main")).to_contain_text(f"Order {number}")
    page.get_by_label("Card number").fill("4000 0000 0000 0002")
    snap(page, 1, "hosted_payment_page")
    page.get_by_role("button", name="Pay now").click()
    expect(page.locator("h1")).to_have_text("Payment declined")
    expect(page.locator("main")).to_contain_text("Nothing was charged.")
    snap(page, 2, "payment_declined")
    wait_for(shop, number, "pending_payment", payment="failed")

    page.get_by_role("link", name="Try again").click()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay now").click()
    expect(page.locator("h1")).to_have_text("Payment approved")
    snap(page, 3, "payment_approved")
    wait_for(shop, number, "confirmed", payment="authorized")
    page.get_by_role("link", name=f"Follow your order {number}").click()
    expect(page.locator("h1")).to_have_text(f"Order {number}")
    expect(page.locator(".tracking-status")).to_have_text("Confirmed")
    snap(page, 4, "tracking_confirmed")


def warehouse_ships(clerk, number: str, tmp_path) -> str:
    """Logistics: why the warehouse ships it, accept, pick list, pick, pack (weight and
    size), the label printed and scanned, handed to the carrier. The tracking number."""
    clerk.goto(f"/orders/{number}")
    expect(clerk.locator("h1 .badge")).to_have_text("Confirmed")
    sourcing = clerk.locator("#sourcing")
    expect(sourcing.locator("summary")).to_contain_text(
        "rule “Nearest with the fewest parcels” · built-in rules")
    chosen = sourcing.locator("details[open] .trace-entry.outcome-chosen")
    expect(chosen.locator(".trace-score")).to_contain_text("1 location: WH")
    # Berlin's last runner is safety stock (not even weighed); Hamburg lacks the socks.
    expect(chosen.locator("tbody tr")).to_have_text([
        re.compile(r"HAM\s+Store\s+[\d.]+ km\s+1\s+kept"),
        re.compile(r"WH\s+Warehouse\s+[\d.]+ km\s+3\s+kept")])
    expect(clerk.locator("#part-WH")).to_contain_text(f"{RUNNER} × 1")
    snap(clerk, 5, "order_sourced_to_warehouse")

    clerk.locator("nav.mainnav").get_by_role("link", name="Fulfilment", exact=True).click()
    part = f"{number}-1"
    row = clerk.locator("#queue tbody tr", has_text=part)
    expect(row.locator(".badge.fulfilment-assigned")).to_have_text("Assigned")
    expect(row).to_contain_text(f"{RUNNER} × 1")
    expect(row).to_contain_text(f"{SOCKS} × 2")
    snap(clerk, 6, "fulfilment_queue")
    row.get_by_role("button", name="Accept", exact=True).click()
    expect(clerk.locator("#queue .report")).to_contain_text(f"{part}: Accepted.")

    clerk.get_by_label(f"Select {part}", exact=True).check()
    tab, pick_list = print_into_new_tab(
        clerk, clerk.locator("#bulk-form").get_by_role("button", name="Pick list"),
        "**/fulfilment/pick-list")
    tab.close()
    assert assert_pdf(pick_list, tmp_path) == 2  # the rows, then the packer's barcodes
    text = pdf_text(pick_list["body"], tmp_path)
    assert "1 fulfilment · 3 units · 2 products" in text, text
    assert re.search(rf"{RUNNER}\s+Nordlicht Trail Runner Blau\s+1\s+{part}", text), text
    assert re.search(rf"{SOCKS}\s+Havel Merino-Socken.*\s2\s+{part}", text), text
    shutil.copy(render_page(pick_list["body"], tmp_path, dpi=100),
                JOURNEY / "web_order_07_pick_list.png")
    assert decode_pdf(pick_list["body"], tmp_path, page=2) == [f"CODE-128:{part}"]
    row.get_by_role("button", name="Start picking", exact=True).click()
    expect(row.locator(".badge.fulfilment-picking")).to_have_text("Picking")
    snap(clerk, 8, "picking")

    row.get_by_role("link", name="Pack…").click()
    expect(clerk.locator("main h1")).to_contain_text(f"Pack {part}")
    parcel = clerk.get_by_role("group", name="Parcel 1")
    expect(parcel.get_by_label("Weight (kg)")).to_have_value("1.2")  # 800 g + 2 × 150 g + box
    parcel.get_by_label("Weight (kg)").fill("1,35")
    parcel.get_by_label("Length (cm)").fill("35")
    parcel.get_by_label("Width (cm)").fill("25")
    parcel.get_by_label("Height (cm)").fill("12")
    snap(clerk, 9, "pack_screen")
    clerk.get_by_role("button", name="Packed: create shipment").click()
    expect(clerk.locator(".flash-success")).to_contain_text(f"{part} is packed")
    shipment = clerk.locator("section.card", has=clerk.get_by_role("heading", name="Shipment"))
    tracking = re.search(r"HC\d{9}DE", shipment.locator("strong.mono").inner_text())[0]
    sscc = re.search(r"SSCC (\d{18})", shipment.locator("li").inner_text())[1]
    expect(shipment.locator("li")).to_have_text(f"Parcel 1: 1.35 kg · 35×25×12 cm · SSCC {sscc}")
    snap(clerk, 10, "packed")

    tab, labels = print_into_new_tab(clerk, shipment.get_by_role("link", name="Labels 4×6″"),
                                     re.compile(r".*/fulfilment/\d+/labels\?format=4x6$"))
    tab.close()
    assert assert_pdf(labels, tmp_path) == 1
    scan = render_page(labels["body"], tmp_path)
    shutil.copy(scan, JOURNEY / "web_order_11_label.png")
    codes = zbarimg(scan).splitlines()
    assert f"CODE-128:{tracking}" in codes, codes
    assert f"CODE-128:00{sscc}" in codes, codes  # GS1-128 with AI 00
    assert any(c.startswith("QR-Code:") and c.endswith(f"/track/parcel/{tracking}")
               for c in codes), codes

    shipment.get_by_role("button", name="Handed to the carrier").click()
    expect(clerk.locator(".flash-success")).to_contain_text(f"{part}: Shipped.")
    row = clerk.locator("#queue tbody tr", has_text=part)
    expect(row.locator(".badge.fulfilment-shipped")).to_have_text("Shipped")
    expect(row.get_by_role("link", name=tracking)).to_be_visible()
    snap(clerk, 12, "shipped")
    return tracking


def store_takes_back(clerk, number: str) -> str:
    """A Berlin clerk finds the order by the customer's e-mail and takes the runner back:
    on the shelf here, refunded to the card. The RMA number."""
    clerk.locator("nav.mainnav").get_by_role("link", name="Returns").click()
    clerk.locator("nav.subnav").get_by_role("link", name="Take back (counter)").click()
    clerk.get_by_label("Order number, customer e-mail or tracking code").fill(
        "lena.vogt@example.org")
    clerk.get_by_role("button", name="Find order").click()
    found = clerk.locator("#found")
    expect(found.locator("tbody tr")).to_have_count(1)
    expect(found).to_contain_text(number)
    expect(found).to_contain_text("Delivered")
    snap(clerk, 14, "counter_found")
    found.get_by_role("link", name="Take back").click()

    clerk.get_by_label(f"Units of {RUNNER} coming back").fill("1")
    clerk.get_by_label(f"Condition of {RUNNER}").select_option("new")
    clerk.get_by_label(f"Why {RUNNER} comes back").fill("too small")
    expect(clerk.get_by_label(f"Units of {SOCKS} coming back")).to_have_value("0")
    snap(clerk, 15, "counter_form")
    clerk.get_by_role("button", name="Take back and refund").click()

    expect(clerk.locator("h1")).to_have_text(re.compile(r"RMA-\d{4}-\d{6}"))
    rma = clerk.locator("h1").inner_text()
    expect(clerk.locator("main")).to_contain_text(f"Order {number} · Lena Vogt · BER")
    line = clerk.locator("tr", has_text=RUNNER)
    expect(line).to_contain_text("Put it back on the shelf here")
    expect(line).to_contain_text("€89.95")
    refund = clerk.locator("#refund tbody tr")
    expect(refund).to_have_count(1)
    expect(refund).to_contain_text("Sandbox · Card")
    expect(refund.locator(".badge")).to_have_text("Refunded")
    expect(refund).to_contain_text("€89.95")
    expect(clerk.locator("#refund")).not_to_contain_text("Not refunded yet")
    expect(clerk.locator(".sale-done .refund-note")).to_have_text(
        "€89.95 went back to the customer's original payment (Sandbox): nothing to hand over.")
    snap(clerk, 16, "counter_refunded")
    return rma


def shelf_shows_the_return(clerk, rma: str, before: int) -> None:
    """The stock screen shows Berlin's runner one up, the ledger the return movement."""
    clerk.locator("nav.mainnav").get_by_role("link", name="Stock", exact=True).click()
    clerk.locator("#q").fill(RUNNER)
    level = clerk.locator("#stock-results tbody tr[id^=level-]")
    expect(level).to_have_count(1)
    expect(level.locator("td").nth(2)).to_have_text("BER")
    expect(level.locator("td").nth(3)).to_have_text(str(before + 1))  # on hand
    snap(clerk, 17, "stock_back_up")

    clerk.locator("nav.mainnav").get_by_role("link", name="Ledger", exact=True).click()
    clerk.get_by_label("SKU or EAN").fill(RUNNER)
    clerk.get_by_label("Movement").select_option(label="Return")
    movement = clerk.locator("#ledger-results tbody tr[id^=movement-]")
    expect(movement).to_have_count(1)
    expect(movement.locator("td").nth(3)).to_have_text("BER")
    expect(movement.locator("td").nth(5)).to_have_text("+1")
    expect(movement).to_contain_text(rma)
    snap(clerk, 18, "ledger_return")


def test_a_web_order_from_checkout_to_refunded_return(page, browser, live_server, users, stores,
                                                     retailer, machines, browser_problems,
                                                     tmp_path):
    shop, carrier = machines

    # The web shop places the order: reserved at the warehouse, waiting for its payment.
    answer = shop.post("/api/v1/orders", json=ORDER, headers={"Idempotency-Key": "cart-7781"})
    assert answer.status_code == 201, answer.text
    order = answer.json()
    number = order["number"]
    assert (order["status"], order["total"]) == ("pending_payment", "124.80")
    assert order["fulfillments"] == [{"id": f"{number}-WH", "location": "WH", "lines": [
        {"sku": RUNNER, "quantity": 1}, {"sku": SOCKS, "quantity": 2}]}]
    assert order["payment"]["next_action"]["type"] == "redirect"

    customer_pays(page, shop, order)

    with person(browser, live_server, browser_problems) as clerk:
        logged_in_as(clerk, users["logistics"])
        tracking = warehouse_ships(clerk, number, tmp_path)
    assert wait_for(shop, number, "shipped")["shipments"][0]["tracking_number"] == tracking

    # The carrier reports the way to the door; the customer's page tells it, newest first.
    for event_id, status, place in (("hc-1", "in_transit", "Paketzentrum Kassel"),
                                    ("hc-2", "delivered", "Berlin")):
        answer = carrier.post(f"/api/v1/shipments/{tracking}/events",
                              json={"event_id": event_id, "status": status, "place": place})
        assert answer.status_code == 200, answer.text
        assert answer.json()["moved"] is True
    wait_for(shop, number, "delivered")
    page.reload()
    expect(page.locator(".tracking-status")).to_have_text("Delivered")
    parcel = page.locator("section.card", has_text="Shipment 1 of 1")
    expect(parcel).to_contain_text(tracking)
    expect(parcel.locator("ol.timeline li")).to_have_text([
        re.compile(r"— Delivered · Berlin$"), re.compile(r"— In transit · Paketzentrum Kassel$"),
        re.compile(r"— Handed over to the carrier · Central Warehouse, Kassel$"),
        re.compile(r"— Label created · Central Warehouse, Kassel$")])
    snap(page, 13, "tracking_delivered")

    # The runner is too small: the customer brings it to the Berlin store.
    before = on_hand(retailer["runner"], stores["BER"])
    with person(browser, live_server, browser_problems) as clerk:
        logged_in_as(clerk, users["employee"])
        rma = store_takes_back(clerk, number)
        shelf_shows_the_return(clerk, rma, before)
    assert on_hand(retailer["runner"], stores["BER"]) == before + 1

    # The customer's page shows the refunded return; the web shop reads the same.
    page.reload()
    returns = page.locator("#returns")
    expect(returns).to_contain_text(rma)
    expect(returns).to_contain_text("Refunded: €89.95")
    snap(page, 19, "tracking_returned")
    order = shop.get(f"/api/v1/orders/{number}").json()
    assert order["returns"] == [{"rma": rma, "status": "received", "refund_total": "89.95"}]
    assert [(r["amount"], r["status"]) for r in order["payment"]["refunds"]] == [
        ("89.95", "succeeded")]
    assert order["payment"]["status"] == "authorized"  # partly refunded

    # In the back office the order page tells the whole story.
    with person(browser, live_server, browser_problems) as manager:
        logged_in_as(manager, users["manager"])
        manager.goto(f"/orders/{number}")
        expect(manager.locator("h1 .badge")).to_have_text("Delivered")
        expect(manager.locator("ol.timeline").first.locator("li")).to_have_text([
            re.compile(r"— Awaiting payment · Web shop$"), re.compile(r"— Confirmed · "),
            re.compile(r"— In fulfilment · "), re.compile(r"— Shipped · "),
            re.compile(r"— Delivered · House carrier · " + tracking),
            re.compile(rf"— Refund · berlin@test\.example · €89\.95 · Sandbox · .* · {rma}$")])
        payments = manager.locator("#payments")
        expect(payments.locator("tbody tr").first).to_contain_text("Paid")
        expect(payments.locator("tr.refund")).to_contain_text(f"Refund · {rma}")
        expect(payments.locator("tr.refund")).to_contain_text("−€89.95")
        expect(manager.locator("#returns")).to_contain_text(rma)
        snap(manager, 20, "order_history")
