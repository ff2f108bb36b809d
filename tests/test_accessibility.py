"""Accessibility of every page: each role's pages are crawled from the dashboard by
following links (and the htmx fragments they load), with real orders, fulfilments,
returns, transfers, suppliers, rule versions and job runs behind them, and each page is
checked by ``tests.a11y`` (lang, one h1, labelled fields, named links and buttons, unique
ids, image alts, table headers, field errors tied to their fields, keyboard-reachable
htmx actions). Every HTML page of the portal must be reached by the crawl, so a new
screen is checked the day it is added."""

from __future__ import annotations

import json
from collections import Counter, deque
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import html as lxml_html

from portal.auth.models import User
from portal.db import utcnow
from portal.fulfilment.services import advance
from portal.inventory import services as stock
from portal.jobs.runner import run_job
from portal.orders.basket import Basket, BasketLine
from portal.orders.counter import CounterSale, checkout
from portal.orders.services import place_order
from portal.payments.services import start_payment
from portal.returns.receiving import take_back_at_counter
from portal.returns.rules import create_rule
from portal.returns.services import ReturnRequest, register_return
from portal.returns.transfers import create_transfer
from portal.sourcing import services as sourcing
from portal.suppliers.services import create_supplier
from tests.a11y import problems
from tests.conftest import csrf_token, make_store
from tests.feeds.conftest import make_feed
from tests.fulfilment.conftest import fulfilments, paid_order, shelf  # noqa: F401 - fixture
from tests.inventory.conftest import make_product
from tests.orders.test_place_order import web_order
from tests.returns.conftest import delivered_order
from tests.shipping.shipped import make_locker

ROLES = ("employee", "logistics", "manager", "admin")
HTMX = {"HX-Request": "true"}
PAGES_PER_ENDPOINT = 3  # e.g. an order waiting, one shipped, one returned
# GET endpoints that answer no HTML page, each with the reason.
NOT_HTML = {
    "static": "files", "_favicon": "the icon", "health.healthz": "JSON for the load balancer",
    "counter.confirmation": "PDF", "fulfilment.labels": "PDF", "fulfilment.labels_zpl": "ZPL",
    "fulfilment.pick_list_all": "PDF", "imports.export": "CSV", "imports.error_report": "CSV",
    "ledger.export": "CSV", "returns.label": "PDF", "returns.photo": "JPEG",
    "returns.transfer_pdf": "PDF", "returns.transfer_pick_list": "PDF",
    "tracking.return_label": "PDF", "api_docs.openapi_json": "JSON",
    "locations.my_store": "a redirect to the employee's store",
    "tracking.parcel": "a redirect to the order's tracking page",
}
NOT_HTML_BLUEPRINTS = {"api": "JSON", "public_api": "JSON", "crash": "tests' own 500s"}


@pytest.fixture
def world(request, ctx, users, stores):
    """Something on every screen: stock, orders in each state, returns, a transfer, a
    supplier with a feed, a draft of the sourcing rules, restock rules and a job run."""
    goods = request.getfixturevalue("shelf")  # SNK-1 at BER and HAM, CAP-1 at WH
    stores["WH"].accepts_returns = True
    stores["WH"].save()
    make_locker()
    stock.receive_stock(goods["shoe"], stores["BER"], 5)
    open_order = paid_order(("SNK-1", 1), sources={"SNK-1": "BER"})
    accepted = paid_order(("SNK-1", 2), sources={"SNK-1": "BER"}, customer_name="Anna Accepted")
    advance(fulfilments(accepted)[0], "accepted", users["employee"])
    pickup = paid_order(("SNK-1", 1), delivery_method="click_collect", pickup_location="BER",
                        sources={"SNK-1": "BER"}, customer_name="Paula Pickup")
    (part,) = fulfilments(pickup)
    for step in ("accepted", "picking", "packed", "ready_for_pickup"):
        advance(part, step, users["employee"])
    delivered = delivered_order(users, ("CAP-1", 2), sources={"CAP-1": "WH"})
    by_post = register_return(ReturnRequest(delivered.number, [{"sku": "CAP-1",
                                                                 "quantity": 1}],
                                            reason="too small"), None)
    counter_order = delivered_order(users, ("CAP-1", 1), sources={"CAP-1": "WH"})
    at_counter, _refund = take_back_at_counter(
        ReturnRequest(counter_order.number, [{"line_no": 1, "quantity": 1}]), stores["BER"],
        {1: "new"}, users["employee"])
    unpaid = place_order(web_order(("CAP-1", 1),
                                                             sources={"CAP-1": "WH"}))
    payment = start_payment(unpaid, "sandbox")
    transfer = create_transfer(stores["WH"], stores["BER"], [(goods["cap"], 1)],
                               users["manager"], reason="display")
    make_store("SUP-BI", "Lieferant Bielefeld", 52.03, 8.53, kind="supplier", city="Bielefeld")
    supplier = create_supplier({"code": "NORDWEST", "name": "Nordwest Textil",
                                "lead_time_days": 4, "countries": "DE",
                                "location": "SUP-BI"}, users["manager"])
    feed = make_feed(supplier, last_run_at=utcnow(), last_report=json.dumps({
        "rows": 3, "errors": [{"line": 2, "message": "Bestand is not a number"}],
        "error_count": 1, "unknown_sample": [{"sku": "X-9", "line": 3}]}))
    draft = sourcing.new_draft(users["manager"])
    create_rule({"name": "Damaged → refurbish", "conditions": ["damaged"],
                 "action": "refurbish"}, users["manager"])
    create_rule({"name": "Everything else → back to stock", "action": "restock"},
                users["manager"])
    stock.receive_stock(make_product("TSH-1", name="Basic Tee"), stores["HAM"], 4)
    run = run_job("stock_check")
    sale = checkout(Basket(store="BER", lines=[BasketLine("SNK-1", 1, "BER")]),
                    CounterSale(delivery="carry_out"), users["employee"])
    return {"orders": [open_order, pickup, delivered, counter_order, unpaid, accepted, sale],
            "returns": [by_post, at_counter], "payment": payment, "transfer": transfer,
            "supplier": supplier, "feed": feed, "draft": draft, "run": run}


def _links(markup: str, url: str, fragment: bool = False) -> tuple[list[str], list[str]]:
    """The same-site links of a page, and the URLs its htmx elements GET."""
    if not markup.strip():
        return [], []
    root = lxml_html.fragment_fromstring(markup, create_parent="div") if fragment \
        else lxml_html.document_fromstring(markup)
    pages = [urljoin(url, a.get("href")) for a in root.iterfind(".//a[@href]")]
    pages += [urljoin(url, form.get("action") or url) for form in root.iterfind(".//form")
              if (form.get("method") or "get").lower() == "get"]
    fragments = [urljoin(url, e.get("hx-get")) for e in root.iterfind(".//*[@hx-get]")]
    local = [u for u in pages if not urlsplit(u).netloc and urlsplit(u).path.startswith("/")]
    return local, [u for u in fragments if u.startswith("/")]


def _endpoint(app, url: str) -> str | None:
    parts = urlsplit(url)
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(parts.path, method="GET")
    except Exception:  # noqa: BLE001 - a 404, 405 or redirect: not a page we check
        return None
    return endpoint


def _skipped(endpoint: str | None) -> bool:
    return endpoint is None or endpoint in NOT_HTML or \
        endpoint.rpartition(".")[0] in NOT_HTML_BLUEPRINTS


class Crawl:
    """Every page and htmx fragment one client reaches by following links."""

    def __init__(self, app, client) -> None:
        self.app, self.client = app, client
        self.visited: Counter = Counter()
        self.problems: list[str] = []
        self.seen: set[str] = set()

    def run(self, seeds: list[str], fragment_seeds: tuple = ()) -> Crawl:
        """Visit ``seeds`` and every page linked from them, then the htmx fragments that
        these pages (and the fragments themselves) load."""
        queue = deque((url, None) for url in seeds)
        fragments: deque = deque(fragment_seeds)
        while queue:
            url, linked_from = queue.popleft()
            markup = self._visit(url, linked_from, queue)
            if markup is not None:
                self.problems += problems(markup, url)
                pages, parts = _links(markup, url)
                queue.extend((page, url) for page in pages)
                fragments.extend(parts)
        while fragments:
            url = fragments.popleft()
            markup = self._visit(url, None, None, htmx=True)
            if markup is not None:
                self.problems += problems(markup, f"{url} (htmx)", fragment=True)
                fragments.extend(_links(markup, url, fragment=True)[1])
        return self

    def _visit(self, url: str, linked_from: str | None, queue, htmx: bool = False):
        """The HTML at ``url`` when it is a page of ours not seen yet, else None."""
        endpoint = _endpoint(self.app, url)
        key = (url, htmx)
        if key in self.seen or _skipped(endpoint) or \
                self.visited[endpoint, htmx] >= PAGES_PER_ENDPOINT:
            return None
        self.seen.add(key)
        response = self.client.get(url, headers=HTMX if htmx else {})
        if response.status_code in (301, 302, 303) and queue is not None:
            queue.append((urljoin(url, response.headers["Location"]), linked_from))
            return None
        if response.status_code != 200:
            if linked_from:  # a seed may be closed to the role; a link must not be
                self.problems.append(f"{linked_from}: the link to {url} answers "
                                     f"{response.status_code}")
            return None
        if response.mimetype != "text/html":
            return None
        self.visited[endpoint, htmx] += 1
        return response.get_data(as_text=True)


def _client_of(app, user: User):
    from tests.conftest import login

    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def _seeds(world) -> list[str]:
    return ["/", "/jobs/", "/pickups/", f"/sourcing/{world['draft'].version}",
            f"/sourcing/{world['draft'].version}/publish",
            *(f"/orders/{o.number}" for o in world["orders"]),
            *(f"/returns/{r.number}" for r in world["returns"]),
            f"/returns/counter/{world['returns'][1].number}",
            f"/returns/transfers/{world['transfer'].number}",
            f"/counter/done/{world['orders'][-1].number}",
            f"/jobs/runs/{world['run'].id}", "/dashboard/manager/insights", "/api/docs",
            # searches that find something
            "/stock/?q=SNK", "/orders/?q=Erika", "/returns/?q=CAP",
            f"/returns/counter?q={world['orders'][2].number}", "/stock/ledger/?sku=CAP-1"]


# what htmx asks for while a person types
SEARCH_FRAGMENTS = ("/counter/lookup?code=SNK", "/counter/lookup?code=Product",
                    "/stock/?q=CAP", "/returns/rules/try?sku=CAP-1&condition=damaged&location=BER",
                    "/returns/rules/try?sku=NOPE&condition=damaged")


def test_every_page_of_every_role_is_accessible(app, world, users):
    visited: Counter = Counter()
    found: list[str] = []
    for role in ROLES:
        crawl = Crawl(app, _client_of(app, users[role])).run(_seeds(world), SEARCH_FRAGMENTS)
        visited.update(endpoint for endpoint, _htmx in crawl.visited)
        found += [f"[{role}] {problem}" for problem in crawl.problems]
    public = Crawl(app, app.test_client()).run(
        ["/login", f"/track/{world['orders'][2].tracking_token}",
         *(f"/sandbox/pay/{world['payment'].token}{step}" for step in ("", "/3ds", "/done"))])
    visited.update(endpoint for endpoint, _htmx in public.visited)
    found += [f"[public] {problem}" for problem in public.problems]

    pages = {rule.endpoint for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and not _skipped(rule.endpoint)}
    assert not found, f"{len(found)} accessibility problems:\n" + "\n".join(found)
    missing = sorted(pages - set(visited))
    assert not missing, f"pages the crawl never reached: {missing}"


class FormCase(NamedTuple):
    """A form sent wrong from ``page`` (after the ``before`` posts), so that the page
    comes back with its errors."""

    role: str | None
    page: str
    url: str
    data: dict
    htmx: bool = False
    before: tuple = ()


def _form_cases(world) -> list[FormCase]:
    draft, rma = world["draft"].version, world["returns"][0].number
    part = fulfilments(world["orders"][5])[0]
    pickup, delivered = world["orders"][1], world["orders"][2]
    return [
        FormCase(None, "/login", "/login", {"email": "", "password": ""}),
        FormCase("admin", "/admin/users/new", "/admin/users/new", {"email": "no-at"}),
        FormCase("admin", "/admin/api-keys", "/admin/api-keys", {"name": ""}),
        FormCase("admin", "/locations/new", "/locations/new", {"latitude": "north"}),
        FormCase("manager", "/suppliers/new", "/suppliers/new", {"lead_time_days": "soon"}),
        FormCase("manager", "/suppliers/NORDWEST/feeds/new", "/suppliers/NORDWEST/feeds/new",
                 {"source": "url", "url": "ftp://x", "every_minutes": "often"}),
        FormCase("manager", f"/sourcing/{draft}/rules/new", f"/sourcing/{draft}/rules/new",
                 {"name": "", "condition.min_value": "lots"}),
        FormCase("manager", "/returns/rules/new", "/returns/rules/new", {"name": ""}),
        FormCase("admin", "/jobs/outbox/settings", "/jobs/outbox/settings",
                 {"schedule": "every blue moon"}),
        FormCase("manager", "/stock/buffers", "/stock/buffers", {"quantity": "-3"}),
        FormCase("employee", "/stock/", "/stock/levels/1/change",
                 {"action": "receive", "quantity": "lots"}),
        FormCase("employee", "/stock/", "/stock/levels/1/change?context=search",
                 {"action": "receive", "quantity": "-1"}, htmx=True),
        FormCase("employee", "/fulfilment/", f"/fulfilment/{part.id}/pack",
                 {"weight_kg-0": "heavy"}),
        FormCase("employee", "/pickups/", f"/pickups/{pickup.number}/collect",
                 {"code": "000000"}, htmx=True),
        FormCase("employee", "/returns/counter", "/returns/counter",
                 {"order": delivered.number, "quantity-1": "9"}),
        FormCase("logistics", f"/returns/{rma}", f"/returns/{rma}/receive", {}),
        FormCase("employee", "/counter/", "/counter/lines/SNK-1", {"quantity": "50"},
                 htmx=True, before=(("/counter/add", {"code": "SNK-1"}),)),
        *(FormCase("employee", "/counter/", "/counter/checkout", {"delivery": delivery},
                   before=(("/counter/add", {"code": "SNK-1"}),))
          for delivery in ("home", "by pigeon")),
    ]


def test_forms_sent_wrong_tie_their_errors_to_the_fields(app, world, users):
    found: list[str] = []
    for case in _form_cases(world):
        client = _client_of(app, users[case.role]) if case.role else app.test_client()
        token = csrf_token(client, case.page)
        for url, data in case.before:
            assert client.post(url, data={"csrf_token": token, **data}).status_code < 400
        response = client.post(case.url, data={"csrf_token": token, **case.data},
                               headers=HTMX if case.htmx else {})
        markup = response.get_data(as_text=True)
        where = f"POST {case.url}{' (htmx)' if case.htmx else ''} → {response.status_code}"
        if response.status_code not in (400, 401, 409, 422) and not case.htmx:
            found.append(f"{where}: the form was not refused")
            continue
        if 'aria-invalid="true"' not in markup:
            found.append(f"{where}: no field is marked invalid")
        found += problems(markup, where, fragment=case.htmx)

    assert not found, f"{len(found)} accessibility problems:\n" + "\n".join(found)
