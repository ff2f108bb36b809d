"""Browser fixtures: the session app served on a free local port, Debian's chromium
driven by Playwright, and a page per test that fails the test on any console error
(CSP violations included), uncaught exception, failed request or HTTP error that the
test did not announce with ``browser_problems.allow(...)``."""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 860}
TABLET = {"width": 820, "height": 1180}
SCREENSHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
TIMEOUT_MS = 5_000


@pytest.fixture(scope="session")
def live_server(app):
    """The session ``app`` (and so the test database) on http://127.0.0.1:<free port>."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless. Playwright's own browsers are never downloaded."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium. "
                    "Install it with `make browser-deps` (apt-get install chromium).",
                    pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class BrowserProblems:
    """Everything that went wrong in the browser during one test."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.allowed: list[re.Pattern] = []

    def add(self, problem: str) -> None:
        self.seen.append(problem)

    def allow(self, pattern: str) -> None:
        """Expect problems matching ``pattern`` (e.g. the 404 a test provokes on purpose)."""
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [p for p in self.seen if not any(a.search(p) for a in self.allowed)]


@pytest.fixture
def browser_problems() -> BrowserProblems:
    return BrowserProblems()


@pytest.fixture
def page(live_server, browser, browser_problems):
    """A fresh context (own cookies) per test at 1280x860, base URL set to the live server."""
    context = browser.new_context(viewport=VIEWPORT, base_url=live_server, locale="en-US",
                                  timezone_id="Europe/Berlin")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems = browser_problems

    def on_console(message):
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            problems.add(f"console error: {message.text} [{where}]")

    def on_response(response):
        if response.status >= 400:
            problems.add(f"HTTP {response.status}: {response.request.method} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.add(f"uncaught exception: {error}"))
    def on_request_failed(request):
        # ERR_ABORTED is a cancellation (a navigation, a newer htmx request or closing the
        # context while e.g. the favicon still loads), not something the app did wrong.
        # A blocked request (CSP, mixed content) fails differently and logs a console error.
        if request.failure != "net::ERR_ABORTED":
            problems.add(f"request failed: {request.method} {request.url}: {request.failure}")

    page.on("requestfailed", on_request_failed)
    page.on("response", on_response)
    try:
        yield page
    finally:
        context.close()
    unexpected = problems.unexpected()
    assert not unexpected, "problems in the browser:\n" + "\n".join(unexpected)


@pytest.fixture
def screenshot(page):
    """``screenshot("admin-dashboard")`` saves a full-page PNG under tests/artifacts/screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _take(name: str) -> Path:
        # Wait until htmx is idle and its progress bar has faded out (a .2 s transition).
        page.wait_for_function(
            "() => !document.querySelector('.htmx-request') && (!document.getElementById("
            "'progress') || getComputedStyle(document.getElementById('progress')).opacity"
            " === '0')")
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        # Hiding the caret leaves style="" on every input; on the next boosted page htmx's
        # settle step copies it onto the element with the same id, which the CSP reports.
        page.evaluate("document.querySelectorAll('[style=\"\"]')"
                      ".forEach(e => e.removeAttribute('style'))")
        return path

    return _take


@pytest.fixture
def shop_data(users, stores):
    """Demo-like stock so the dashboards and store pages show real rows: addresses,
    products, stock levels (some low or empty) and incoming deliveries (one late)."""
    from portal.inventory.models import IncomingStock, Product, StockLevel

    addresses = {"BER": ("Rosenthaler Str. 40", "10178", "Berlin"),
                 "HAM": ("Mönckebergstr. 7", "20095", "Hamburg"),
                 "WH": ("Industriestr. 12", "34123", "Kassel")}
    for code, (street, postcode, city) in addresses.items():
        location = stores[code]
        location.street, location.postcode, location.city = street, postcode, city
        location.save()

    names = ["Nordlicht Trail Runner Blau", "Kiezwerk Rucksack 22 l Schwarz",
             "Alster Regenjacke Olive", "Spree Thermobecher Weiß",
             "Havel Merino-Socken 3er-Pack Grau", "Elbe Softshell-Hose Anthrazit",
             "Isar Daunenweste Rot", "Rhein Trinkflasche 1 l Edelstahl"]
    products = [Product.create(sku=f"SKU-{10000 + n}", ean=f"40123450000{n:02d}", name=name,
                               brand=name.split()[0], category="Outdoor",
                               price=Decimal("19.99") + n * 10,
                               tags="high-demand" if n % 3 == 0 else "")
                for n, name in enumerate(names)]
    # (on_hand, safety_stock) per product; zeros and low numbers make "running low" rows.
    stock = {"BER": [(0, 2), (1, 2), (7, 1), (12, 0), (2, 2), (25, 1), (0, 0), (4, 1)],
             "HAM": [(5, 1), (0, 1), (3, 0), (9, 2), (11, 1), (0, 0), (6, 1), (8, 0)],
             "WH": [(240, 10), (180, 5), (0, 10), (600, 10), (75, 5), (320, 0), (44, 5),
                    (150, 10)]}
    for code, rows in stock.items():
        for product, (on_hand, safety) in zip(products, rows, strict=True):
            StockLevel.create(product=product, location=stores[code], on_hand=on_hand,
                              safety_stock=safety)
    today = date.today()
    deliveries = [("BER", 0, 6, -2, "transfer", "TR-2025-1001"),
                  ("BER", 6, 4, 3, "transfer", "TR-2025-1002"),
                  ("HAM", 1, 5, 1, "transfer", "TR-2025-1003"),
                  ("WH", 2, 300, 5, "supplier_order", "PO-2025-2001"),
                  ("WH", 4, 120, 12, "supplier_order", "PO-2025-2002")]
    for code, product, quantity, days, source, reference in deliveries:
        IncomingStock.create(product=products[product], location=stores[code],
                             quantity=quantity, expected_on=today + timedelta(days=days),
                             source=source, reference=reference)
    return {"stores": stores, "products": products}


def wait_for_htmx(page, selector: str) -> None:
    """Wait until htmx has wired ``selector`` on a page just reached by a boosted link:
    typed into earlier, a field's htmx request does not start (a form is then sent
    without htmx, which works but is another path than the test means)."""
    page.wait_for_function("s => !!(document.querySelector(s) || {})['htmx-internal-data']",
                           arg=selector)
