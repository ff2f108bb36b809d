"""Store isolation, probed: a Berlin employee asks for 200 ids and numbers of what other
stores and the warehouse own (orders, fulfilments with their labels, returns, transfers,
pickups, shipments) and gets 404 for every one; managers see the same URLs (so the
404s are isolation, not wrong addresses)."""

from __future__ import annotations

import re

import pytest

from portal.fulfilment.models import FulfillmentOrder
from portal.inventory import services as stock
from portal.orders.models import Order
from portal.returns.models import ReturnOrder, TransferOrder
from portal.returns.transfers import create_transfer
from portal.shipping.models import Shipment
from tests.conftest import csrf_token
from tests.fulfilment.conftest import paid_order
from tests.inventory.conftest import make_product
from tests.returns.screens import at_counter, by_post, signed_in
from tests.shipping.shipped import ship

PROBES = 200


@pytest.fixture
def elsewhere(ctx, stores, users):
    """Everything of Hamburg and the warehouse; nothing involves Berlin."""
    for code, postcode, street in (("BER", "10178", "Alexanderplatz 1"),
                                   ("HAM", "20095", "Mönckebergstraße 7"),
                                   ("WH", "34123", "Sandershäuser Straße 34")):
        stores[code].postcode, stores[code].street = postcode, street
        stores[code].save()
    shoe, cap = make_product("SNK-1"), make_product("CAP-1")
    stock.receive_stock(shoe, stores["HAM"], 60)
    stock.receive_stock(cap, stores["WH"], 60)
    logistics = users["logistics"]
    for _ in range(3):  # shipped home from Hamburg
        ship(paid_order(("SNK-1", 1), sources={"SNK-1": "HAM"}), logistics)
    for _ in range(2):  # Click & Collect at Hamburg, from its own shelf
        paid_order(("SNK-1", 1), sources={"SNK-1": "HAM"}, delivery_method="click_collect",
                   pickup_location="HAM")
    # Click & Collect at Hamburg, sent from the warehouse: a parcel travelling to HAM
    ship(paid_order(("CAP-1", 1), sources={"CAP-1": "WH"}, delivery_method="click_collect",
                    pickup_location="HAM"), logistics)
    by_post(users)  # returned by post to the warehouse
    at_counter(users, stores["HAM"], users["employee_ham"])  # returned at Hamburg
    create_transfer(stores["WH"], stores["HAM"], [(cap, 2)], users["manager"])
    create_transfer(stores["HAM"], stores["WH"], [(shoe, 1)], users["manager"])
    assert not Order.select().where((Order.store == stores["BER"].id)
                                    | (Order.pickup_location == stores["BER"].id)).exists()
    return {
        "orders": [o.number for o in Order.select().order_by(Order.id)],
        "fulfilments": [f.id for f in FulfillmentOrder.select().order_by(FulfillmentOrder.id)],
        "returns": [r.number for r in ReturnOrder.select().order_by(ReturnOrder.id)],
        "transfers": [t.number for t in TransferOrder.select().order_by(TransferOrder.id)],
        "shipments": [s.id for s in Shipment.select().order_by(Shipment.id)],
        "pickups": [o.number for o in Order.select().where(
            Order.pickup_location == stores["HAM"].id)],
    }


def numbers_near(real: list[str], count: int = PROBES) -> list[str]:
    """The real numbers, then their neighbours (the same prefix, the digits counted on)
    until there are ``count``: what someone walking the numbers would try."""
    found = list(dict.fromkeys(real))
    step = 1
    while len(found) < count:
        for number in real:
            match = re.fullmatch(r"(.*?)(\d+)", number)
            assert match, number
            prefix, digits = match.groups()
            for value in (int(digits) + step, int(digits) - step):
                candidate = f"{prefix}{max(value, 0):0{len(digits)}d}"
                if candidate not in found:
                    found.append(candidate)
        step += 1
    return found[:count]


def ids_near(real: list[int], count: int = PROBES) -> list[int]:
    return list(dict.fromkeys([*real, *range(1, count + 1)]))[:max(count, len(real))]


# kind → the GET pages of one record, and the POST actions on it
GETS = {
    "orders": ["/orders/{}", "/counter/done/{}", "/counter/confirmation/{}.pdf"],
    "fulfilments": ["/fulfilment/{}/pack", "/fulfilment/{}/labels",
                    "/fulfilment/{}/labels.zpl"],
    "returns": ["/returns/{}", "/returns/{}/label.pdf", "/returns/counter/{}"],
    "transfers": ["/returns/transfers/{}", "/returns/transfers/{}.pdf",
                  "/returns/transfers/{}/pick-list.pdf"],
}
POSTS = {
    "orders": ["/orders/{}/cancel", "/orders/{}/pay-in-store", "/orders/{}/source-again"],
    "fulfilments": ["/fulfilment/{}/events", "/fulfilment/{}/pack"],
    "returns": ["/returns/{}/cancel", "/returns/{}/receive", "/returns/{}/refund"],
    "transfers": ["/returns/transfers/{}/cancel", "/returns/transfers/{}/ship",
                  "/returns/transfers/{}/receive"],
    "pickups": ["/pickups/{}/collect", "/pickups/{}/new-code"],
    "shipments": ["/pickups/shipments/{}/arrived"],
}


def probe_values(kind: str, real: list) -> list:
    return ids_near(real) if kind in ("fulfilments", "shipments") else numbers_near(real)


@pytest.mark.parametrize("kind", sorted(GETS))
def test_an_employee_gets_404_for_200_records_of_other_stores(app, users, elsewhere, kind):
    client = signed_in(app, users["employee"])
    real = elsewhere[kind]
    assert real, f"no {kind} were made"
    leaks = []
    for value in probe_values(kind, real):
        # every page for the real records, the first page for the walked neighbours
        for url in GETS[kind] if value in real else GETS[kind][:1]:
            response = client.get(url.format(value))
            if response.status_code != 404:
                leaks.append(f"{url.format(value)}: {response.status_code}")

    assert not leaks, "\n".join(leaks)


def test_an_employee_cannot_act_on_records_of_other_stores(app, users, elsewhere):
    client = signed_in(app, users["employee"])
    token = csrf_token(client, "/")
    before = [list(model.select().order_by(model.id).tuples())
              for model in (Order, FulfillmentOrder, ReturnOrder, TransferOrder, Shipment)]
    leaks = []
    for kind, urls in POSTS.items():
        for value, url in ((v, u) for v in probe_values(kind, elsewhere[kind])[:25]
                           for u in urls):
            response = client.post(url.format(value), data={"csrf_token": token,
                                                           "code": "000000"})
            if response.status_code != 404:
                leaks.append(f"POST {url.format(value)}: {response.status_code}")

    assert not leaks, "\n".join(leaks)
    after = [list(model.select().order_by(model.id).tuples())
             for model in (Order, FulfillmentOrder, ReturnOrder, TransferOrder, Shipment)]
    assert after == before


def test_a_manager_opens_the_same_pages(app, users, elsewhere):
    """The control: the probed addresses are real pages."""
    client = signed_in(app, users["manager"])
    for kind, urls in GETS.items():
        for url in urls:
            statuses = {client.get(url.format(value)).status_code
                        for value in elsewhere[kind]}
            assert statuses - {404}, (url, statuses)
