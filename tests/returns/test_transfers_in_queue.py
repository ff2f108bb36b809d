"""Transfers in the fulfilment work queue: the source's queue lists approved transfers to
pick and ship (lines, target, reason, delivery note, pick list, *Shipped*), the target's
queue shipped ones to receive (*Received*); the steps are the transfer routes' with
``next`` back to the queue; other stores never see them; nothing shows when nothing
waits; the pick list PDF takes the transfer's lines."""

from __future__ import annotations

import pytest

from portal.db import db
from portal.inventory.ledger import check_levels
from portal.inventory.models import IncomingStock, StockLevel, StockMovement
from portal.returns.models import TransferOrder
from portal.returns.transfer_queries import queue_transfers
from portal.returns.transfers import create_transfer, ship_transfer
from tests.conftest import csrf_token
from tests.fulfilment.conftest import level
from tests.returns.screens import signed_in
from tests.returns.test_transfer_screens import status, text_of

QUEUE_WH, QUEUE_BER = "/fulfilment/?location=WH", "/fulfilment/?location=BER"


@pytest.fixture
def as_user(app, users):
    """A browser of its own per person."""
    return lambda role: signed_in(app, users[role])


@pytest.fixture
def wh_ber(shelf, stores, users):
    """WH → BER, two caps, approved."""
    return create_transfer(stores["WH"], stores["BER"], [(shelf["cap"], 2)], users["manager"],
                           reason="Berlin runs low")


def panel(page: str) -> str:
    """The transfers panel of a queue page ("" when there is none)."""
    start = page.find('<section class="card queue-transfers">')
    return page[start:page.index("</section>", start)] if start >= 0 else ""


def post_step(client, transfer, step: str, next_url: str, page: str = QUEUE_WH):
    return client.post(f"/returns/transfers/{transfer.number}/{step}",
                       data={"csrf_token": csrf_token(client, page), "next": next_url})


def test_the_warehouse_queue_ships_an_approved_transfer(as_user, wh_ber, shelf, stores):
    client = as_user("logistics")
    shown = panel(client.get(QUEUE_WH).get_data(as_text=True))

    assert wh_ber.number in shown and "To pick and ship" in shown and "(1)" in shown
    assert "CAP-1 × 2" in shown and "BER" in shown and "Berlin runs low" in shown
    assert f'href="/returns/transfers/{wh_ber.number}.pdf"' in shown
    assert f'href="/returns/transfers/{wh_ber.number}/pick-list.pdf"' in shown
    assert f'action="/returns/transfers/{wh_ber.number}/ship"' in shown
    assert 'name="next" value="/fulfilment/?location=WH"' in shown
    assert "/receive" not in shown and "/cancel" not in shown

    answer = post_step(client, wh_ber, "ship", "/fulfilment/?location=WH")
    assert answer.status_code == 303 and answer.location == "/fulfilment/?location=WH"
    page = client.get(answer.location).get_data(as_text=True)

    assert f"Transfer {wh_ber.number} is on its way." in page
    assert panel(page) == ""  # nothing left to do here
    assert status(wh_ber) == "shipped" and level(shelf["cap"], stores["WH"]) == (3, 0)
    moved = StockMovement.get(StockMovement.reference == wh_ber.number,
                              StockMovement.kind == "transfer_out")
    assert (moved.location_id, moved.on_hand_delta, moved.reserved_delta) == (
        stores["WH"].id, -2, -2)
    assert check_levels() == []


def test_the_target_stores_queue_receives_it_and_another_store_never_sees_it(
        as_user, wh_ber, shelf, stores, users):
    hamburg = as_user("employee_ham")
    assert wh_ber.number not in hamburg.get("/fulfilment/").get_data(as_text=True)
    berlin = as_user("employee")
    before = panel(berlin.get("/fulfilment/").get_data(as_text=True))
    assert "To receive" not in before  # approved, not on its way yet
    ship_transfer(wh_ber, users["logistics"])

    shown = panel(berlin.get("/fulfilment/").get_data(as_text=True))
    assert "To receive" in shown and wh_ber.number in shown and "CAP-1 × 2" in shown
    assert f'action="/returns/transfers/{wh_ber.number}/receive"' in shown
    assert "/ship" not in shown
    assert wh_ber.number not in hamburg.get("/fulfilment/").get_data(as_text=True)
    assert post_step(hamburg, wh_ber, "receive", "/fulfilment/",
                     page="/fulfilment/").status_code == 404

    answer = post_step(berlin, wh_ber, "receive", QUEUE_BER, page="/fulfilment/")
    assert answer.location == QUEUE_BER
    page = berlin.get(answer.location).get_data(as_text=True)

    assert "received: the units are in stock here" in page and panel(page) == ""
    assert status(wh_ber) == "received" and level(shelf["cap"], stores["BER"]) == (2, 0)
    assert StockMovement.get(StockMovement.reference == wh_ber.number,
                             StockMovement.kind == "transfer_in").location_id == stores["BER"].id
    assert IncomingStock.get(IncomingStock.reference == wh_ber.number).status == "received"
    assert check_levels() == []


def test_the_store_ships_its_own_outgoing_transfer_from_its_queue(as_user, shelf, stores,
                                                                  users):
    transfer = create_transfer(stores["BER"], stores["HAM"], [(shelf["shoe"], 1)],
                               users["manager"])
    berlin = as_user("employee")
    assert f'action="/returns/transfers/{transfer.number}/ship"' in panel(
        berlin.get("/fulfilment/").get_data(as_text=True))
    hamburg = as_user("employee_ham")
    assert transfer.number not in hamburg.get("/fulfilment/").get_data(as_text=True)
    assert post_step(hamburg, transfer, "ship", "/fulfilment/",
                     page="/fulfilment/").status_code == 403
    post_step(berlin, transfer, "ship", QUEUE_BER, page="/fulfilment/")
    assert status(transfer) == "shipped" and level(shelf["shoe"], stores["BER"]) == (2, 0)


def test_steps_need_the_csrf_token(as_user, wh_ber):
    client = as_user("logistics")
    path = f"/returns/transfers/{wh_ber.number}/ship"
    assert client.post(path, data={"next": QUEUE_WH}).status_code == 400
    assert client.post(path, data={"next": QUEUE_WH},
                       headers={"HX-Request": "true"}).status_code == 400
    assert status(wh_ber) == "approved"


def test_next_must_stay_on_the_site_and_a_refusal_comes_back_as_a_message(as_user, wh_ber):
    client = as_user("logistics")
    answer = post_step(client, wh_ber, "ship", "https://evil.example/")
    assert answer.location == f"/returns/transfers/{wh_ber.number}"
    again = post_step(client, wh_ber, "ship", QUEUE_WH)
    assert again.location == QUEUE_WH
    assert "is shipped; it cannot become shipped" in client.get(QUEUE_WH).get_data(as_text=True)


def test_nothing_shows_when_nothing_waits_and_the_htmx_fragment_has_the_panel(as_user,
                                                                               wh_ber):
    client = as_user("logistics")
    assert panel(client.get("/fulfilment/?location=WH&status=shipped", headers={
        "HX-Request": "true"}).get_data(as_text=True)) != ""
    manager = as_user("manager")
    assert "queue-transfers" not in manager.get("/fulfilment/?location=HAM").get_data(
        as_text=True)


def test_the_panel_is_read_in_two_queries(ctx, shelf, stores, users, monkeypatch):
    for _n in range(3):
        create_transfer(stores["WH"], stores["BER"], [(shelf["cap"], 1)], users["manager"])
    ship_transfer(create_transfer(stores["BER"], stores["WH"], [(shelf["shoe"], 1)],
                                  users["manager"]), users["employee"])
    statements = []
    original = db.obj.execute_sql

    def counting(sql, *args, **kwargs):
        statements.append(sql)
        return original(sql, *args, **kwargs)

    monkeypatch.setattr(db.obj, "execute_sql", counting)
    work = queue_transfers(users["logistics"], stores["WH"])

    assert (work.outgoing_count, work.incoming_count) == (3, 1)
    assert [len(lines) for _t, lines, _may in work.outgoing + work.incoming] == [1, 1, 1, 1]
    assert all(may for _t, _lines, may in work.outgoing + work.incoming)
    assert work.incoming[0][0].from_location.code == "BER"
    assert len(statements) == 2, statements


def test_the_pick_list_of_a_transfer_has_its_lines_and_bins(as_user, wh_ber, shelf, stores,
                                                            tmp_path):
    (StockLevel.update(bin="A-7").where(StockLevel.product == shelf["cap"].id,
                                        StockLevel.location == stores["WH"].id).execute())
    response = as_user("logistics").get(f"/returns/transfers/{wh_ber.number}/pick-list.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f"pick-list-{wh_ber.number}.pdf" in response.headers["Content-Disposition"]
    text = text_of(response.data, tmp_path)
    assert "Pick list" in text and "Central Warehouse" in text
    assert "A-7" in text and "CAP-1" in text and wh_ber.number in text
    assert "1 transfer · 2 units · 1 product" in text and "fulfilment" not in text.lower()
    assert as_user("employee_ham").get(
        f"/returns/transfers/{wh_ber.number}/pick-list.pdf").status_code == 404
    assert TransferOrder.get_by_id(wh_ber.id).status == "approved"
