"""Store replenishment: proposals from recent sales (warehouses first, then overstocked
stores, never below a source's safety stock, no unit promised twice), approving them
into transfers (ledger, incoming, ship + receive), vanished stock refused and reported,
and the screen (roles, CSRF, report)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.db import utcnow
from portal.inventory import services as stock
from portal.inventory.ledger import check_levels
from portal.inventory.models import IncomingStock, StockLevel, StockMovement
from portal.returns.models import TransferLine, TransferOrder
from portal.returns.replenishment import Params, approve, pick_key, proposals, summary
from portal.returns.transfers import receive_transfer, ship_transfer
from tests.conftest import csrf_token, login, make_store
from tests.fulfilment.conftest import level
from tests.inventory.conftest import make_product

PAGE = "/returns/replenishment"
APPROVE = "/returns/replenishment/approve"


def sell(product, location, quantity, days_ago=0):
    """``quantity`` units sold at ``location`` (received first, so on hand stays)."""
    stock.receive_stock(product, location, quantity)
    stock.reserve_stock(product, location, quantity, "OMS-SOLD")
    stock.ship_reserved_stock(product, location, quantity, "OMS-SOLD")
    if days_ago:
        (StockMovement.update(at=utcnow() - timedelta(days=days_ago))
         .where(StockMovement.kind == "sale", StockMovement.location == location.id,
                StockMovement.product == product.id).execute())


@pytest.fixture
def goods(stores):
    """Caps and shoes; 14 caps sold at BER in the window (7 for 14 days), none left."""
    cap = make_product("CAP-1", category="Caps")
    shoe = make_product("SNK-1", category="Sneaker")
    sell(cap, stores["BER"], 14)
    return {"cap": cap, "shoe": shoe}


def rows_by(rows):
    return {(r.store.code, r.product.sku): r for r in rows}


def transfers_of(row):
    return [(source.code, quantity) for source, quantity in row.transfers]


def test_a_store_at_zero_with_recent_sales_gets_a_proposal_from_the_warehouse(ctx, stores,
                                                                            goods):
    stock.receive_stock(goods["cap"], stores["WH"], 50)
    sell(goods["cap"], stores["HAM"], 30, days_ago=40)  # outside the 28 days: no need

    rows = proposals()

    assert list(rows_by(rows)) == [("BER", "CAP-1")]
    row = rows[0]
    assert (row.sold, row.available, row.incoming, row.target, row.need) == (14, 0, 0, 7, 7)
    assert row.out_of_stock and transfers_of(row) == [("WH", 7)] and row.shortfall == 0
    assert summary(rows) == {"stores_out": 1, "rows_out": 1, "units_needed": 7,
                             "units_short": 0}


def test_safety_stock_is_part_of_the_target_and_incoming_lowers_the_need(ctx, stores, goods):
    cap = goods["cap"]
    stock.receive_stock(cap, stores["WH"], 50)
    stock.receive_stock(cap, stores["BER"], 3)
    stock.set_safety_stock(cap, stores["BER"], 2)  # available 1
    stock.add_incoming(cap, stores["BER"], 2, date.today() + timedelta(days=3))
    promised = stock.add_incoming(cap, stores["BER"], 4, date.today() + timedelta(days=3))
    IncomingStock.update(promised=4).where(IncomingStock.id == promised.id).execute()

    row = proposals()[0]

    # target 7 + 2 (on hand − reserved), need 7 − 1 available − 2 free incoming
    assert (row.available, row.incoming, row.target, row.need) == (1, 2, 9, 4)
    assert not row.out_of_stock and transfers_of(row) == [("WH", 4)]


def test_competing_stores_never_take_a_source_below_its_safety_stock(ctx, stores, goods):
    cap = goods["cap"]
    sell(cap, stores["HAM"], 28)                # HAM needs 14, BER 7
    stock.receive_stock(cap, stores["WH"], 10)
    stock.set_safety_stock(cap, stores["WH"], 4)  # 6 available
    other = make_store("WH2", "Lager Halle", kind="warehouse", priority=50)
    stock.receive_stock(cap, other, 5)
    stock.set_safety_stock(cap, other, 2)       # 3 available, and asked first (priority)

    rows = rows_by(proposals())

    assert transfers_of(rows["HAM", "CAP-1"]) == [("WH2", 3), ("WH", 6)]
    assert rows["HAM", "CAP-1"].shortfall == 5
    assert transfers_of(rows["BER", "CAP-1"]) == [] and rows["BER", "CAP-1"].shortfall == 7

    approval = approve(list(rows.values()), None)

    assert len(approval.created) == 2 and approval.refused == []
    for location, safety in ((stores["WH"], 4), (other, 2)):
        row = StockLevel.get(StockLevel.product == cap.id, StockLevel.location == location.id)
        assert row.safety_stock == safety and row.available == 0
    assert check_levels() == []


def test_an_overstocked_store_gives_only_what_is_beyond_its_own_target(ctx, stores, goods):
    cap = goods["cap"]
    sell(cap, stores["BER"], 42)        # 56 sold: target 28
    stock.receive_stock(cap, stores["HAM"], 20)
    sell(cap, stores["HAM"], 2)         # HAM's own target: 1 → gives 19
    muc = make_store("MUC", "München Zentrum")
    stock.receive_stock(cap, muc, 5)
    stock.set_safety_stock(cap, muc, 1)  # 4 available, never sold there: keeps 1, gives 3

    row = rows_by(proposals())["BER", "CAP-1"]

    assert row.need == 28
    assert transfers_of(row) == [("HAM", 19), ("MUC", 3)] and row.shortfall == 6


def test_filters_by_store_category_and_out_of_stock(ctx, stores, goods):
    stock.receive_stock(goods["cap"], stores["WH"], 50)
    stock.receive_stock(goods["shoe"], stores["WH"], 50)
    stock.receive_stock(goods["shoe"], stores["HAM"], 1)
    sell(goods["shoe"], stores["HAM"], 28)  # HAM has 1 shoe: needs 13, not out of stock

    assert set(rows_by(proposals())) == {("BER", "CAP-1"), ("HAM", "SNK-1")}
    assert set(rows_by(proposals(Params(store="HAM")))) == {("HAM", "SNK-1")}
    assert set(rows_by(proposals(Params(category="Caps")))) == {("BER", "CAP-1")}
    assert set(rows_by(proposals(Params(out_of_stock=True)))) == {("BER", "CAP-1")}


def test_approving_makes_one_transfer_per_pair_that_ships_and_arrives(ctx, stores, goods,
                                                                      users):
    cap, shoe = goods["cap"], goods["shoe"]
    sell(shoe, stores["BER"], 4)            # BER needs 7 caps and 2 shoes
    sell(cap, stores["HAM"], 2)             # HAM needs 1 cap
    stock.receive_stock(cap, stores["WH"], 50)
    stock.receive_stock(shoe, stores["WH"], 50)

    keys = [key for row in proposals() for _source, _quantity, key in row.picks()]
    approval = approve(keys, users["logistics"])

    assert approval.refused == [] and len(approval.created) == 2
    to_ber = next(t for t in approval.created if t.to_location_id == stores["BER"].id)
    lines = {line.product.sku: line.quantity for line in TransferLine.select()
             .where(TransferLine.transfer == to_ber.id)}
    assert lines == {"CAP-1": 7, "SNK-1": 2} and to_ber.status == "approved"
    assert to_ber.reason.startswith("replenishment")
    held = StockMovement.select().where(StockMovement.reference == to_ber.number)
    assert sorted((m.kind, m.location_id, m.reserved_delta) for m in held) == [
        ("reservation", stores["WH"].id, 2), ("reservation", stores["WH"].id, 7)]
    incoming = IncomingStock.get(IncomingStock.location == stores["BER"].id,
                                 IncomingStock.product == cap.id)
    assert (incoming.quantity, incoming.source, incoming.reference, incoming.status) == (
        7, "transfer", to_ber.number, "open")
    assert level(cap, stores["WH"]) == (50, 8)
    assert proposals() == []  # what is coming covers every need

    ship_transfer(to_ber, users["logistics"])
    receive_transfer(TransferOrder.get_by_id(to_ber.id), users["logistics"])

    assert level(cap, stores["BER"]) == (7, 0) and level(shoe, stores["BER"]) == (2, 0)
    assert level(cap, stores["WH"]) == (43, 1)  # HAM's cap still waits
    assert IncomingStock.get_by_id(incoming.id).status == "received"
    assert check_levels() == []


def test_a_row_whose_stock_vanished_is_refused_and_the_others_go_through(ctx, stores, goods):
    cap, shoe = goods["cap"], goods["shoe"]
    sell(shoe, stores["BER"], 4)
    stock.receive_stock(cap, stores["WH"], 7)
    stock.receive_stock(shoe, stores["WH"], 50)
    rows = proposals()
    stock.adjust_stock(cap, stores["WH"], -3, "damage")  # meanwhile: only 4 caps left

    approval = approve(rows, None)

    assert len(approval.created) == 1 and len(approval.refused) == 1
    refusal = approval.refused[0]
    assert (refusal.product.sku, refusal.source.code, refusal.store.code) == (
        "CAP-1", "WH", "BER")
    assert "Only 4 of CAP-1 available at WH, 7 needed" in refusal.message
    assert [line.product.sku for line in approval.created[0].lines] == ["SNK-1"]
    assert level(cap, stores["WH"]) == (4, 0)
    assert check_levels() == []


def test_bad_keys_are_refused_and_a_form_sent_twice_creates_nothing_twice(ctx, stores, goods):
    stock.receive_stock(goods["cap"], stores["WH"], 50)
    ber, wh, cap = stores["BER"].id, stores["WH"].id, goods["cap"].id
    bad = ["nonsense", pick_key(ber, cap, wh, 0), pick_key(ber, cap, ber, 1),
           pick_key(wh, cap, ber, 1), pick_key(ber, 999999, wh, 1)]

    assert len(approve(bad, None).refused) == 5
    assert TransferOrder.select().count() == 0

    first = approve([pick_key(ber, cap, wh, 7)] * 2, None, run="form-1")  # ticked once
    again = approve([pick_key(ber, cap, wh, 7)], None, run="form-1")

    assert len(first.created) == 1 and again.created == []
    assert [line.quantity for line in first.created[0].lines] == [7]
    assert [t.id for t in again.repeated] == [first.created[0].id]
    assert level(goods["cap"], stores["WH"]) == (50, 7)


# --- the screen -----------------------------------------------------------------------

def test_the_screen_is_for_logistics_managers_and_admins(app, users, goods, stores):
    stock.receive_stock(goods["cap"], stores["WH"], 50)
    key = pick_key(stores["BER"].id, goods["cap"].id, stores["WH"].id, 7)
    for role in ("logistics", "manager", "admin"):
        client = app.test_client()
        login(client, users[role])
        page = client.get(PAGE)
        assert page.status_code == 200
        assert f'value="{key}"' in page.get_data(as_text=True)
    assert client.get(f"{PAGE}?store=NOPE").status_code == 404
    assert client.get(f"{PAGE}?store=HAM").status_code == 200

    client = app.test_client()
    login(client, users["employee"])
    assert client.get(PAGE).status_code == 403
    token = csrf_token(client, "/")
    assert client.post(APPROVE, data={"pick": key, "csrf_token": token}).status_code == 403
    assert TransferOrder.select().count() == 0


def test_approve_selected_needs_the_csrf_token_and_reports_the_transfers(client, as_role,
                                                                         goods, stores):
    stock.receive_stock(goods["cap"], stores["WH"], 50)
    key = pick_key(stores["BER"].id, goods["cap"].id, stores["WH"].id, 7)
    as_role("manager")

    assert client.post(APPROVE, data={"pick": key}).status_code == 400
    assert TransferOrder.select().count() == 0

    token = csrf_token(client, PAGE)
    gone = pick_key(stores["BER"].id, goods["cap"].id, stores["WH"].id, 60)
    answer = client.post(APPROVE, data={"pick": [key], "csrf_token": token, "run": "r1"},
                         headers={"HX-Request": "true"})
    html = answer.get_data(as_text=True)
    transfer = TransferOrder.get()
    assert answer.status_code == 200 and "<html" not in html
    assert transfer.number in html and "WH → BER" in html
    assert "No store needs anything" in html  # the incoming covers the need now

    page = client.post(APPROVE, data={"pick": [gone], "csrf_token": token})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html
    assert "Only 43 of CAP-1 available at WH, 60 needed" in html
    assert TransferOrder.select().count() == 1

    nothing = client.post(APPROVE, data={"csrf_token": token})
    assert "Select at least one proposed transfer" in nothing.get_data(as_text=True)
