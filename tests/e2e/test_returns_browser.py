"""Returns in a real browser: a clerk takes a web order back at the counter (htmx search,
the form, what to do and what to hand back), the warehouse receives a parcel whose
refund is refused first and retried, and a Hamburg clerk receives a return announced for
Berlin with a photo that shows on the result page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.payments.models import Refund
from portal.returns.models import ReturnLine, ReturnOrder
from tests.e2e.conftest import TABLET
from tests.e2e.test_roles_browser import horizontal_overflow, logged_in_as
from tests.fulfilment.conftest import shelf  # noqa: F401 - the fixture
from tests.returns.conftest import delivered_order, returns_wh  # noqa: F401 - the fixture
from tests.returns.screens import announced_for, by_post, refuse_refunds
from tests.returns.test_return_photos import jpeg_with_gps

pytestmark = pytest.mark.browser


@pytest.mark.usefixtures("shelf")
def test_a_clerk_takes_a_web_order_back_at_the_counter(page, screenshot, users,
                                                       browser_problems):
    browser_problems.allow(r"422.*/returns/counter")  # the refused quantity (HTTP, console)
    order = delivered_order(users, ("CAP-1", 2), sources={"CAP-1": "WH"})
    logged_in_as(page, users["employee"])

    page.locator("nav.mainnav").get_by_role("link", name="Returns").click()
    page.locator("nav.subnav").get_by_role("link", name="Take back (counter)").click()
    page.get_by_label("Order number, customer e-mail or tracking code").fill(order.number)
    page.get_by_role("button", name="Find order").click()
    expect(page.locator("#found")).to_contain_text(order.number)
    screenshot("returns-counter-search")
    page.locator("#found").get_by_role("link", name="Take back").click()

    page.get_by_label("Units of CAP-1 coming back").fill("3")
    page.get_by_label("Condition of CAP-1").select_option("opened")
    page.get_by_label("Why CAP-1 comes back").fill("too big")
    page.get_by_role("button", name="Take back and refund").click()
    expect(page.locator("#quantity-1-error")).to_have_text("At most 2 can still be returned.")
    assert ReturnLine.select().count() == 0
    screenshot("returns-counter-form-error")

    page.get_by_label("Units of CAP-1 coming back").fill("1")
    page.get_by_role("button", name="Take back and refund").click()

    expect(page.locator("h1")).to_have_text(re.compile(r"RMA-\d{4}-\d{6}"))
    expect(page.locator("main")).to_contain_text("Put it back on the shelf here")
    expect(page.locator(".refund-note")).to_contain_text("back to the customer in cash")
    assert horizontal_overflow(page) == 0
    screenshot("returns-counter-done")
    page.set_viewport_size(TABLET)
    assert horizontal_overflow(page) == 0

    page.locator("nav.subnav").get_by_role("link", name="Returns").click()
    expect(page.locator("#return-rows")).to_contain_text(order.number)
    screenshot("returns-list-tablet")


@pytest.mark.usefixtures("shelf", "returns_wh")
def test_the_warehouse_receives_a_parcel_and_retries_a_refused_refund(page, screenshot, users,
                                                                     monkeypatch):
    order, rma = by_post(users)
    logged_in_as(page, users["logistics"])
    page.goto(page.url + f"returns/{rma.number}")
    expect(page.get_by_role("link", name="Return label 4×6″")).to_be_visible()
    screenshot("return-detail-registered")

    refuse_refunds(monkeypatch)
    page.get_by_label("Condition of CAP-1").select_option("new")
    page.get_by_role("button", name="Receive and refund").click()
    expect(page.locator("#refund")).to_contain_text("The refund failed: The provider is down.")
    screenshot("return-detail-refund-failed")
    monkeypatch.undo()

    page.get_by_role("button", name="Retry refund").click()

    expect(page.locator("#refund")).to_contain_text("Refunded")
    expect(page.get_by_role("button", name="Retry refund")).to_have_count(0)
    assert [r.status for r in Refund.select().order_by(Refund.id)] == ["failed", "succeeded"]
    assert horizontal_overflow(page) == 0
    screenshot("return-detail-refunded")

    page.get_by_role("link", name=order.number).click()
    expect(page.locator("#returns")).to_contain_text(rma.number)
    screenshot("order-with-returns")


@pytest.mark.usefixtures("shelf")
def test_hamburg_receives_a_return_announced_for_berlin(app, page, screenshot, users, stores,
                                                        tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    photo = tmp_path / "scuffed.jpg"
    photo.write_bytes(jpeg_with_gps())
    order, rma = announced_for(users, stores["BER"])  # the web shop chose Berlin
    logged_in_as(page, users["employee_ham"])

    page.locator("nav.mainnav").get_by_role("link", name="Returns").click()
    expect(page.locator("#return-rows")).not_to_contain_text(rma.number)  # Berlin's list
    page.locator("nav.subnav").get_by_role("link", name="Take back (counter)").click()
    page.get_by_label("Order number, customer e-mail or tracking code").fill(rma.number)
    page.get_by_role("button", name="Find order").click()
    found = page.locator("#found-returns")
    expect(found).to_contain_text(rma.number)
    expect(found).to_contain_text("BER")
    screenshot("returns-anywhere-search")
    found.get_by_role("link", name="Receive here").click()

    expect(page.locator("h1")).to_contain_text(rma.number)
    expect(page.locator("main")).to_contain_text("BER · Berlin Mitte")
    expect(page.locator("main")).to_contain_text("Taken back at HAM · Hamburg City.")
    page.get_by_label("Condition of CAP-1").select_option("damaged")
    page.get_by_label("Note on CAP-1").fill("scuffed toe")
    page.get_by_label("Photos of CAP-1").set_input_files(str(photo))
    assert horizontal_overflow(page) == 0
    screenshot("returns-anywhere-receive")
    page.get_by_role("button", name="Receive and refund").click()

    expect(page.locator("h1")).to_have_text(rma.number)
    expect(page.locator("main")).to_contain_text("announced for BER")
    expect(page.locator("main")).to_contain_text("Put it aside for refurbishing")
    thumbnail = page.locator(".photo-list img")
    expect(thumbnail).to_have_count(1)
    expect(thumbnail).to_have_attribute("alt", re.compile(r"^Photo 1 of line 1: CAP-1"))
    thumbnail.scroll_into_view_if_needed()  # loading="lazy"
    page.wait_for_function("document.querySelector('.photo-list img').naturalWidth > 0")
    expect(page.locator(".refund-note")).to_contain_text("back to the customer in cash")
    assert horizontal_overflow(page) == 0
    screenshot("returns-anywhere-done")
    received = ReturnOrder.get_by_id(rma.id)
    assert (received.location.code, received.announced_location.code) == ("HAM", "BER")

    page.get_by_role("link", name="Return details").click()
    expect(page.locator("main")).to_contain_text("Announced for")
    expect(page.locator("main")).to_contain_text("BER → HAM")
    screenshot("returns-anywhere-detail")
