"""Layout at desktop, tablet and phone widths: no sideways scrolling of the page, codes and
headers on one line, figure tiles filling their rows, German labels that fit. Each check
saves a screenshot per width under tests/artifacts/screenshots/ for the visual review."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.auth.models import User
from tests.e2e.conftest import TABLET
from tests.e2e.test_roles_browser import horizontal_overflow
from tests.e2e.test_roles_browser import logged_in_as as _logged_in_as

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": {"width": 1280, "height": 860}, "tablet": TABLET,
          "phone": {"width": 390, "height": 844}}

# Texts that must stay on one line wherever they appear in a table.
ONE_LINE = "th, td.mono, td .mono, td.num, td .nowrap, td.nowrap, .badge"
LINES_JS = """el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  return new Set([...range.getClientRects()].filter(r => r.width > 0)
                                            .map(r => Math.round(r.bottom))).size;
}"""


def logged_in_as(page, user) -> None:
    """Log in and wait for the stylesheet: layout is measured right after."""
    _logged_in_as(page, user)
    page.wait_for_load_state("load")


def broken_lines(page, selector: str = ONE_LINE) -> list[str]:
    """The texts matching ``selector`` that the browser broke over more than one line."""
    return page.eval_on_selector_all(
        selector, "els => els.filter(el => el.textContent.trim() && !el.closest('.visually-hidden')"
                  f" && !el.querySelector('.visually-hidden') && ({LINES_JS})(el) > 1)"
                  ".map(el => el.textContent.trim())")


def tile_rows(page) -> list[int]:
    """How many figure tiles stand in each row of the first .stats grid."""
    tops = page.eval_on_selector_all(".stats > .stat",
                                     "els => els.map(el => Math.round(el.offsetTop))")
    rows: dict[int, int] = {}
    for top in tops:
        rows[top] = rows.get(top, 0) + 1
    return [rows[top] for top in sorted(rows)]


def check_width(page, screenshot, name: str, width: str) -> None:
    page.set_viewport_size(WIDTHS[width])
    assert horizontal_overflow(page) == 0, f"{name} scrolls sideways at {width} width"
    assert broken_lines(page) == [], f"{name}: codes, dates or headers wrap at {width} width"
    screenshot(f"{name}-{width}")


@pytest.mark.parametrize("role", ["employee", "logistics", "manager", "admin"])
def test_dashboards_fit_every_width(page, screenshot, users, shop_data, role):
    logged_in_as(page, users[role])
    for width in WIDTHS:
        check_width(page, screenshot, f"layout-{role}-dashboard", width)
        rows = tile_rows(page)
        # Full rows, and no tile left alone in a last row (unless it spans the whole row).
        assert len(set(rows[:-1])) <= 1 and rows[-1] <= rows[0], (role, width, rows)
        last = page.locator(".stats > .stat").last.bounding_box()
        grid = page.locator(".stats").bounding_box()
        assert len(rows) == 1 or rows[-1] > 1 or last["width"] > grid["width"] - 2, \
            (role, width, rows)


def test_stat_tiles_that_link_show_it(page, users, shop_data):
    logged_in_as(page, users["logistics"])
    tile = page.locator("a.stat-link").first
    expect(tile.locator(".stat-value")).to_have_text(re.compile(r"^[\d,]+$"))  # no "units"
    expect(tile.locator(".stat-label")).to_contain_text("Central Warehouse")
    before = tile.evaluate("el => getComputedStyle(el).borderColor")
    tile.hover()
    page.wait_for_timeout(250)  # the border colour fades in
    assert tile.evaluate("el => getComputedStyle(el).borderColor") != before
    arrow = tile.evaluate("el => getComputedStyle(el, '::after').content")
    assert "→" in arrow


def test_two_columns_only_where_they_fit(page, users, shop_data):
    logged_in_as(page, users["employee"])
    cards = page.locator(".columns > .card")
    page.set_viewport_size(WIDTHS["desktop"])
    assert cards.nth(0).bounding_box()["y"] == cards.nth(1).bounding_box()["y"]
    for width in ("tablet", "phone"):
        page.set_viewport_size(WIDTHS[width])
        first, second = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
        assert first["x"] == second["x"], f"one column at {width} width"
        gap = second["y"] - (first["y"] + first["height"])
        assert 10 <= gap <= 20, f"stacked cards keep one gap, not two ({gap}px)"


def test_store_page_and_lists_fit_every_width(page, screenshot, users, shop_data):
    logged_in_as(page, users["admin"])
    for path, name in (("/locations/BER", "store-page"), ("/locations/", "locations"),
                       ("/admin/users", "users"), ("/admin/audit", "audit-log"),
                       ("/admin/api-keys", "api-keys")):
        page.set_viewport_size(WIDTHS["desktop"])
        page.goto(path)
        for width in WIDTHS:
            check_width(page, screenshot, f"layout-{name}", width)


def test_audit_log_is_readable(page, users, shop_data):
    logged_in_as(page, users["admin"])
    page.goto("/admin/audit?action=user.created")
    row = page.locator("#audit-rows tbody tr", has_text="berlin@test.example").first
    cells = row.locator("td")
    expect(cells.nth(1)).to_have_text("System")
    expect(cells.nth(3)).to_have_text(re.compile(r"User\s+berlin@test\.example"))
    expect(cells.nth(4)).to_contain_text("role: Store employee")
    expect(cells.nth(4)).not_to_contain_text("{")
    # One date format: "Nov 25, 2026, 10:27 PM" like the dates elsewhere, no seconds.
    expect(cells.nth(0)).to_have_text(
        re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d\s[AP]M$"))

    # German: "25.11.2026, 22:27", the same date format as the plain dates.
    page.get_by_role("button", name="Deutsch", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("#audit-rows tbody tr td").first).to_have_text(
        re.compile(r"^\d\d\.\d\d\.\d{4}, \d\d:\d\d$"))


def test_german_labels_fit_in_two_lines(page, screenshot, users, shop_data):
    User.update(language="de").where(User.id.in_([users["employee"].id, users["manager"].id])
                                     ).execute()
    for role in ("employee", "manager"):
        logged_in_as(page, users[role])
        expect(page.locator("html")).to_have_attribute("lang", "de")
        for width in WIDTHS:
            check_width(page, screenshot, f"layout-{role}-dashboard-de", width)
            lines = page.eval_on_selector_all(".stat-label", f"els => els.map({LINES_JS})")
            assert max(lines) <= 2, f"{role} at {width}: a tile label has {max(lines)} lines"
        page.locator("form[action$='/logout'] button").click()


def test_phone_top_bar_keeps_log_out_on_one_line(page, screenshot, users, shop_data):
    page.set_viewport_size(WIDTHS["phone"])
    logged_in_as(page, users["employee"])
    assert broken_lines(page, ".topbar-tools button, .mainnav a") == []
    assert horizontal_overflow(page) == 0


def test_login_at_phone_width(page, screenshot, users):
    page.set_viewport_size(WIDTHS["phone"])
    page.goto("/login")
    expect(page.get_by_label("E-mail", exact=True)).to_be_focused()
    assert horizontal_overflow(page) == 0
    screenshot("layout-login-phone")


def test_address_without_street_has_no_stray_comma(page, users, shop_data):
    store = shop_data["stores"]["BER"]
    store.street = ""
    store.save()
    logged_in_as(page, users["employee"])
    expect(page.locator("main > p.muted").first).to_have_text("10178 Berlin")
    page.goto("/locations/BER")
    expect(page.locator(".page-head p.muted").first).to_have_text(
        re.compile(r"^Store · 10178 Berlin, DE"))
