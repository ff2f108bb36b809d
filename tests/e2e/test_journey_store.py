"""Journey of a store: Order in Store with Click & Collect, from the counter in Berlin to
the customer collecting the parcel Hamburg sent, driven through the real screens.

Berlin has no Trail Runner; Hamburg has five. The Berlin clerk sells one for pickup in
Berlin, the customer pays by card, Hamburg's clerk packs and ships it, Berlin receives
the parcel, the customer gets an e-mail with a pickup code, a mistyped code is refused
and changes nothing, the right one hands the order over."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.fulfilment.models import FulfillmentOrder
from portal.inventory.models import StockLevel
from portal.notifications.mail import MemoryBackend
from portal.notifications.services import deliver_outbox
from portal.orders.models import Order
from tests.e2e.conftest import wait_for_htmx
from tests.e2e.journeys import Steps, switch_user
from tests.e2e.test_roles_browser import logged_in_as

pytestmark = pytest.mark.browser

SKU = "SKU-10000"  # Berlin 0, Hamburg 5, warehouse 240 (shop_data)
CUSTOMER = "mia@example.org"


def delivered_mail():
    """Send what the outbox holds and return the pickup e-mail as the customer gets it."""
    inbox = MemoryBackend()
    deliver_outbox(backend=inbox)
    mails = [m for m in inbox.sent if m["To"] == CUSTOMER and "pickup" in m["Subject"].lower()]
    assert len(mails) == 1, [m["Subject"] for m in inbox.sent]
    return mails[0]


def on_hand(sku: str, code: str) -> int:
    level = (StockLevel.select().join_from(StockLevel, StockLevel.product.rel_model)
             .where(StockLevel.product.rel_model.sku == sku).switch(StockLevel)
             .join(StockLevel.location.rel_model)
             .where(StockLevel.location.rel_model.code == code).get())
    return level.on_hand


def test_click_and_collect_from_another_store_until_the_customer_collects(
        page, screenshot, users, shop_data):
    steps = Steps(screenshot, "store")

    # 1. Berlin's clerk sells an article the store does not have.
    logged_in_as(page, users["employee"])
    page.get_by_role("link", name="Sell", exact=True).click()
    wait_for_htmx(page, "#code")
    page.get_by_label("Scan or type SKU, EAN or name").fill("Trail Runner")
    page.locator("#suggestions button", has_text=SKU).click()
    row = page.locator(f"#line-{SKU}")
    expect(row).to_contain_text("Order in Store")
    expect(row.get_by_label(f"Where {SKU} comes from").locator("option:checked")).to_contain_text(
        "Hamburg City (HAM)")  # the nearest location that has it
    page.get_by_label("Picks them up here later").check()
    page.get_by_label("Name", exact=True).fill("Mia Kundin")
    page.get_by_label("E-mail (for the confirmation)").fill(CUSTOMER)
    page.get_by_label("Card terminal", exact=True).check()
    page.get_by_label("Card terminal receipt number").fill("T-2026-0815")
    steps.shot("counter_basket")
    page.get_by_role("button", name=re.compile("Take payment of")).click()

    done = page.locator(".sale-done")
    expect(done).to_contain_text("Confirmed")
    expect(done).to_contain_text("picks the goods up at Berlin Mitte")
    number = page.locator("h1.order-number").inner_text().strip()
    steps.shot("paid")

    # 2. The order page: Hamburg holds the unit, its fulfilment waits.
    page.get_by_role("link", name="Order details").click()
    expect(page.locator("h1 .badge")).to_have_text("Confirmed")
    expect(page.locator("main")).to_contain_text("pickup at Berlin Mitte")
    part = page.locator("#part-HAM")
    expect(part).to_contain_text(f"{SKU} × 1")
    expect(part).to_contain_text("Assigned")
    expect(page.locator("#fulfilments tbody tr")).to_have_count(1)
    timeline = page.locator("section.card", has=page.get_by_role("heading", name="Timeline"))
    expect(timeline).to_contain_text("Paid: In store, reference T-2026-0815")
    steps.shot("order_sourced_to_hamburg")

    # 3. Hamburg's clerk works the store's queue: accept, pick, pack, hand to the carrier.
    switch_user(page, users["employee_ham"])
    page.locator("nav.mainnav").get_by_role("link", name="Fulfilment", exact=True).click()
    expect(page.locator("main h1")).to_contain_text("HAM · Hamburg City")
    queue_row = page.locator("#queue tbody tr", has_text=number)
    expect(queue_row).to_contain_text("Click & Collect")
    for button, status in (("Accept", "Accepted"), ("Start picking", "Picking")):
        queue_row.get_by_role("button", name=button, exact=True).click()
        expect(queue_row).to_contain_text(status)
    steps.shot("hamburg_queue_picking")
    queue_row.get_by_role("link", name="Pack…", exact=True).click()
    expect(page.locator("main h1")).to_contain_text(f"Pack {number}-1")
    expect(page.locator("main .page-head")).to_contain_text("to Berlin Mitte (BER) for pickup")
    steps.shot("hamburg_pack")
    page.get_by_role("button", name="Packed: create shipment", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text(f"{number}-1 is packed")
    page.get_by_role("button", name="Handed to the carrier", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text(f"{number}-1: Shipped.")
    assert FulfillmentOrder.get(FulfillmentOrder.number == f"{number}-1").status == "shipped"
    assert on_hand(SKU, "HAM") == 4  # the unit left Hamburg's shelf
    steps.shot("hamburg_shipped")

    # 4. Berlin receives the parcel: the order becomes ready and the customer gets a code.
    switch_user(page, users["employee"])
    page.get_by_role("link", name="Click & Collect pickups").click()
    expect(page.locator("main h1")).to_have_text("Click & Collect pickups")
    on_the_way = page.locator("table.pickups-on-the-way tbody tr", has_text=number)
    expect(on_the_way).to_contain_text("HAM · Shipped")
    expect(page.locator("table.pickups-ready")).to_have_count(0)
    steps.shot("pickups_parcel_on_the_way")
    on_the_way.get_by_role("button", name=re.compile("^Parcel arrived")).click()
    report = page.locator("#pickups .report")
    expect(report).to_contain_text("arrived.")
    expect(report).to_contain_text(f"{number} is ready for pickup.")
    ready = page.locator("table.pickups-ready tbody tr", has_text=number)
    expect(ready).to_contain_text("Mia Kundin")
    expect(ready).to_contain_text(f"{SKU} × 1")
    steps.shot("pickups_ready")

    order = Order.get(Order.number == number)
    assert order.status == "ready_for_pickup"
    mail = delivered_mail()
    text = mail.get_body(("plain",)).get_content()
    assert number in text and "Berlin Mitte" in text
    code = re.search(r"pickup code: (\d{6})", text)[1]

    # 5. The customer is at the counter: a mistyped code first, then the right one.
    code_input = ready.get_by_label(f"Pickup code {number}")
    code_input.fill(f"{(int(code) + 1) % 10**6:06d}")
    ready.get_by_role("button", name="Hand over", exact=True).click()
    expect(report).to_contain_text("Wrong pickup code")
    ready = page.locator("table.pickups-ready tbody tr", has_text=number)
    expect(ready.locator("small.error")).to_be_visible()
    expect(ready.get_by_label(f"Pickup code {number}")).to_be_focused()
    steps.shot("pickups_wrong_code")
    refused = Order.get_by_id(order.id)
    assert (refused.status, refused.pickup_attempts) == ("ready_for_pickup", 1)

    ready.get_by_label(f"Pickup code {number}").fill(code)
    ready.get_by_role("button", name="Hand over", exact=True).click()
    expect(report).to_contain_text(f"{number} was handed over.")
    expect(page.locator("table.pickups-ready tbody tr", has_text=number)).to_have_count(0)
    steps.shot("pickups_handed_over")

    # 6. The order shows collected.
    page.get_by_role("link", name="Orders", exact=True).click()
    page.get_by_role("link", name=number).click()
    expect(page.locator("h1 .badge")).to_have_text("Collected")
    for entry in ("Ready for pickup · berlin@test.example · everything waits at the pickup",
                  "Wrong pickup code", "Collected · berlin@test.example · handed over at BER"):
        expect(timeline).to_contain_text(entry)
    expect(page.locator("main")).to_contain_text("HAM × 1 (shipped)")
    shipment = page.locator("#shipments")
    expect(shipment).to_contain_text("House carrier · Standard parcel · to the pickup store")
    expect(shipment).to_contain_text("Delivered")
    steps.shot("order_collected")
