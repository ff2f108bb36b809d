"""The portal with the keyboard alone (Tab, Shift+Tab, Enter, Space, typing): logging in,
the skip link, a counter sale, the fulfilment queue, the sourcing rule editor and the
returns counter. Every tab stop shows a focus ring; after htmx swaps the focus lands
where a keyboard user expects it and the live region says what changed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.fulfilment.models import FulfillmentOrder
from portal.orders.models import Order
from portal.returns.models import ReturnOrder
from portal.sourcing import services as sourcing
from tests.conftest import PASSWORD
from tests.e2e.conftest import wait_for_htmx
from tests.e2e.test_roles_browser import logged_in_as
from tests.fulfilment.conftest import fulfilments, paid_order
from tests.returns.conftest import delivered_order

pytestmark = pytest.mark.browser

MAX_TAB_STOPS = 120
# What the focused element is, and whether it shows where the focus is.
FOCUSED_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(), id: el.id,
    name: (el.getAttribute("aria-label") || el.innerText || el.value || "").trim().slice(0, 60),
    ring: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
          || style.boxShadow !== "none",
    shown: el.checkVisibility() && rect.width > 0 && rect.height > 0 && rect.right > 0
           && rect.bottom > 0,
    inMain: !!el.closest("main"),
  };
}"""


def focused(page) -> dict | None:
    return page.evaluate(FOCUSED_JS)


def is_focused(locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


def tab_to(page, locator, key: str = "Tab") -> list[dict]:
    """Press Tab (or Shift+Tab) until ``locator`` has the focus; every stop on the way must
    be on screen with a focus ring. The stops passed, for more checks."""
    stops = []
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press(key)
        stop = focused(page)
        stops.append(stop)
        assert stop and stop["shown"] and stop["ring"], f"tab stop without a visible ring: {stop}"
        if is_focused(locator):
            return stops
    raise AssertionError(f"{locator} is not reachable with {key}: {stops[-5:]}")


def all_tab_stops(page) -> list[dict]:
    """Tab from the top of the page to its end; every stop must show its ring."""
    stops: list[dict] = []
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press("Tab")
        stop = focused(page)
        if stop is None or stop in stops[:1]:
            return stops
        assert stop["shown"] and stop["ring"], f"tab stop without a visible ring: {stop}"
        stops.append(stop)
    raise AssertionError(f"more than {MAX_TAB_STOPS} tab stops: {stops[-3:]}")


def announced(page):
    return page.locator("#announcer")


def test_log_in_and_skip_to_the_content_with_the_keyboard(page, screenshot, users, shop_data):
    page.goto("/login")
    expect(page.get_by_label("E-mail", exact=True)).to_be_focused()  # autofocus
    page.keyboard.type(users["manager"].email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("main h1")).to_have_text("Overview")

    # The first tab stop is the skip link, shown with its ring while it has the focus.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    stop = focused(page)
    assert stop["ring"] and stop["shown"], stop
    assert skip.bounding_box()["x"] >= 0 and skip.bounding_box()["y"] >= 0
    screenshot("keyboard-skip-link")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    assert focused(page)["inMain"], "the next stop after skipping is in the content"
    page.keyboard.press("Shift+Tab")
    assert not focused(page)["inMain"], "Shift+Tab goes back into the top bar"

    # Every stop of the page, from the top to the end, shows where the focus is.
    page.goto("/")
    stops = all_tab_stops(page)
    assert len(stops) > 20 and stops[0]["name"] == "Skip to content"


def test_a_counter_sale_with_the_keyboard(page, screenshot, users, shop_data):
    logged_in_as(page, users["employee"])
    # The main navigation (hx-boost): the new page's scan field has the focus.
    tab_to(page, page.locator("nav.mainnav").get_by_role("link", name="Sell", exact=True))
    page.keyboard.press("Enter")
    expect(page.locator("main h1")).to_contain_text("Sell")
    scan = page.get_by_label("Scan or type SKU, EAN or name")
    expect(scan).to_be_focused()
    wait_for_htmx(page, "#scan-form")

    # (The suggestions follow typing after a 250 ms pause; that one request is waited for,
    # as a person would not be in the basket within a quarter second.)
    with page.expect_response(re.compile(r"/counter/lookup")):
        page.keyboard.type("4012345000003")  # EAN of SKU-10003, 12 in Berlin
        page.keyboard.press("Enter")
    row = page.locator("#line-SKU-10003")
    expect(row).to_contain_text("This store · 12 available")
    expect(scan).to_be_focused()
    expect(scan).to_have_value("")

    # The quantity changes when the field is left; the basket is swapped, and the focus
    # stays on the control it moved to (the source of the same line).
    tab_to(page, row.get_by_label("Quantity of SKU-10003"))
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Tab")
    expect(page.locator("#checkout-summary button")).to_contain_text("99.98")
    expect(page.locator("#line-SKU-10003").get_by_label("Where SKU-10003 comes from")) \
        .to_be_focused()
    screenshot("keyboard-counter-basket")

    tab_to(page, page.get_by_role("button", name=re.compile("Take payment of")))
    page.keyboard.press("Enter")
    expect(page.locator(".sale-done")).to_contain_text("took the goods along")
    assert Order.select().count() == 1


def test_the_fulfilment_queue_with_the_keyboard(page, screenshot, users, shop_data):
    order = paid_order(("SKU-10002", 1), sources={"SKU-10002": "BER"})
    (part,) = fulfilments(order)
    logged_in_as(page, users["employee"])
    page.goto("/fulfilment/")
    row = page.locator(f"#fulfilment-{part.id}")

    # A confirm dialog closed with Escape (dismissed) changes nothing.
    tab_to(page, row.get_by_label(re.compile("Why can .* not be fulfilled")))
    page.keyboard.type("damaged")
    page.once("dialog", lambda dialog: dialog.dismiss())
    tab_to(page, row.get_by_role("button", name="Cannot fulfil"))
    page.keyboard.press("Enter")
    expect(row.get_by_role("button", name="Cannot fulfil")).to_be_focused()
    assert FulfillmentOrder.get_by_id(part.id).status == part.status

    # Space on "Accept": the row's button is gone, the focus goes to the report.
    tab_to(page, row.get_by_role("button", name="Accept"), key="Shift+Tab")
    page.keyboard.press("Space")
    report = page.locator("#queue .report")
    expect(report).to_contain_text(part.number)
    expect(report).to_be_focused()
    screenshot("keyboard-fulfilment-queue")
    tab_to(page, page.locator(f"#fulfilment-{part.id}").get_by_role("button",
                                                                     name="Start picking"))
    page.keyboard.press("Enter")
    expect(page.locator(f"#fulfilment-{part.id}")).to_contain_text("Picking")
    assert FulfillmentOrder.get_by_id(part.id).status == "picking"


def test_the_sourcing_rule_editor_with_the_keyboard(page, screenshot, users, shop_data,
                                                    browser_problems):
    browser_problems.allow(r"HTTP 400: POST .*/sourcing/\d+/rules/0$")
    browser_problems.allow(r"console error: Failed to load resource: .*status of 400")
    draft = sourcing.new_draft(users["manager"])
    first, second = (rule.name for rule in sourcing.rules_of(draft)[:2])
    logged_in_as(page, users["manager"])
    page.goto(f"/sourcing/{draft.version}")

    # Reordering without a mouse: the move button keeps the focus on the moved rule.
    tab_to(page, page.get_by_role("button", name=f"Move “{first}” down"))
    page.keyboard.press("Space")
    expect(page.locator("#rule-1 h3")).to_contain_text(first)
    expect(page.locator("#rule-1 button.move-down")).to_be_focused()

    # A rule sent wrong comes back with the focus in the field to correct.
    tab_to(page, page.get_by_role("link", name=f"Edit “{second}”"), key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator("main h1")).to_contain_text(f"Edit rule 1: {second}")
    countries = page.get_by_label("Destination countries")
    tab_to(page, countries)
    page.keyboard.type("Germany")
    page.keyboard.press("Enter")
    expect(countries).to_have_attribute("aria-invalid", "true")
    expect(countries).to_be_focused()
    screenshot("keyboard-sourcing-rule-error")
    page.keyboard.press("Control+A")
    page.keyboard.type("DE AT")
    page.keyboard.press("Enter")
    expect(page.locator("#rule-0")).to_contain_text(second)
    assert sourcing.rules_of(sourcing.get_ruleset(draft.version))[0].condition.countries \
        == ["DE", "AT"]


def test_the_returns_counter_with_the_keyboard(page, screenshot, users, shop_data,
                                               browser_problems):
    browser_problems.allow(r"422.*/returns/counter")  # the refused quantity (HTTP, console)
    order = delivered_order(users, ("SKU-10000", 2), sources={"SKU-10000": "WH"})
    logged_in_as(page, users["employee"])
    page.goto("/returns/counter")
    search = page.get_by_label("Order number, customer e-mail or tracking code")
    expect(search).to_be_focused()

    # The htmx search keeps the focus in the search field; the results follow it.
    page.keyboard.type(order.number)
    page.keyboard.press("Enter")
    expect(page.locator("#found")).to_contain_text(order.number)
    expect(search).to_be_focused()
    tab_to(page, page.locator("#found").get_by_role("link", name="Take back"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"order={order.number}$"))
    page.wait_for_load_state()

    units = page.get_by_label("Units of SKU-10000 coming back")
    tab_to(page, units)
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    tab_to(page, page.get_by_role("button", name="Take back and refund"))
    page.keyboard.press("Enter")
    # The page comes back with the field to correct focused and its error read with it.
    expect(page.locator("#quantity-1-error")).to_have_text("At most 2 can still be returned.")
    expect(units).to_be_focused()
    expect(units).to_have_attribute("aria-describedby", "quantity-1-error")
    screenshot("keyboard-returns-counter-error")

    page.keyboard.press("Control+A")
    page.keyboard.type("1")
    condition = page.get_by_label("Condition of SKU-10000")
    tab_to(page, condition)
    page.keyboard.press("ArrowDown")  # a closed select changes its choice with the arrows
    expect(condition).to_have_value("new")
    tab_to(page, page.get_by_role("button", name="Take back and refund"))
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(re.compile(r"RMA-\d{4}-\d{6}"))
    assert ReturnOrder.select().count() == 1


def test_focus_after_an_htmx_search_and_an_inline_form_error(page, screenshot, users,
                                                             shop_data, browser_problems):
    browser_problems.allow(r"HTTP 400: POST .*/stock/levels/\d+/change")
    browser_problems.allow(r"console error: Failed to load resource: .*status of 400")
    logged_in_as(page, users["manager"])  # sees every location
    page.goto("/stock/")
    search = page.get_by_label("SKU, EAN, name or brand")
    expect(search).to_be_focused()

    # Typing filters the results; the cursor stays in the field, the count is read out.
    page.keyboard.type("Rucksack")
    expect(page.locator("#stock-results tbody tr")).to_have_count(3)
    expect(search).to_be_focused()
    expect(announced(page)).to_have_text(re.compile(r"3 rows"))

    # Sorting by a column header link keeps the focus on that link.
    tab_to(page, page.locator("#sort-location"))
    page.keyboard.press("Enter")
    expect(page.locator("#sort-location")).to_be_focused()
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")

    # The inline change form opens with the cursor in the quantity; a wrong quantity comes
    # back with the focus still there, marked invalid, and the error is read out.
    first_row = page.locator("#stock-results tbody tr").first
    tab_to(page, first_row.get_by_role("link", name="Change"))
    page.keyboard.press("Enter")
    quantity = page.locator("#stock-results").get_by_label("Quantity")
    expect(quantity).to_be_focused()
    page.keyboard.type("-5")
    page.keyboard.press("Enter")
    expect(quantity).to_have_attribute("aria-invalid", "true")
    expect(quantity).to_be_focused()
    expect(announced(page)).to_have_text(re.compile("between 0 and"))
    screenshot("keyboard-stock-inline-error")
