"""Where returned items go: restock rules by condition and category, the store that
needs an item most (nothing available, recent sales), damaged items kept out of
sellable stock, and transfers that move stock through incoming → on hand."""

from __future__ import annotations

import pytest

from portal.inventory import services as stock
from portal.inventory.errors import InsufficientStock, StockError
from portal.inventory.ledger import check_levels
from portal.inventory.models import IncomingStock, StockMovement
from portal.returns.models import RestockRule, ReturnLine, TransferOrder
from portal.returns.receiving import take_back_at_counter
from portal.returns.restock import decide, neediest
from portal.returns.services import ReturnRequest
from portal.returns.transfers import (
    TransferRefused,
    cancel_transfer,
    create_transfer,
    receive_transfer,
    ship_transfer,
)
from tests.fulfilment.conftest import level
from tests.returns.conftest import delivered_order


def rule(position, action, conditions="", categories="", name=None):
    return RestockRule.create(position=position, name=name or action, action=action,
                              conditions=conditions, categories=categories)


def sold_at(product, location, quantity):
    """Recent sales at ``location``: receive, then sell (a sale movement)."""
    stock.receive_stock(product, location, quantity)
    stock.reserve_stock(product, location, quantity, "OMS-SOLD")
    stock.ship_reserved_stock(product, location, quantity, "OMS-SOLD")


def counter_return(users, stores, condition, sku="CAP-1"):
    order = delivered_order(users, (sku, 1))
    rma, _refund = take_back_at_counter(ReturnRequest(order.number, [{"sku": sku,
                                                                      "quantity": 1}]),
                                        stores["BER"], {1: condition}, users["employee"])
    return ReturnLine.get(ReturnLine.return_order == rma.id)


def test_without_rules_damaged_is_refurbished_and_nothing_becomes_sellable(ctx, shelf, stores,
                                                                          users):
    line = counter_return(users, stores, "damaged")

    assert (line.condition, line.disposition, line.target_id) == ("damaged", "refurbish", None)
    assert StockMovement.select().where(StockMovement.kind == "return").count() == 0
    assert check_levels() == []


def test_a_returned_item_goes_to_the_store_with_zero_stock_and_recent_sales(ctx, shelf, stores,
                                                                           users):
    rule(1, "transfer", conditions="new,opened")
    sold_at(shelf["cap"], stores["HAM"], 2)  # HAM sold caps and has none left

    line = counter_return(users, stores, "new")

    assert (line.disposition, line.target.code) == ("transfer", "HAM")
    transfer = TransferOrder.get()
    assert (transfer.from_location.code, transfer.to_location.code, transfer.status) == (
        "BER", "HAM", "approved")
    assert "needed at HAM" in transfer.reason and transfer.number in {
        m.reference for m in StockMovement.select()}
    assert level(shelf["cap"], stores["BER"]) == (1, 1)  # booked in, held for the transfer
    incoming = IncomingStock.get(IncomingStock.location == stores["HAM"].id)
    assert (incoming.quantity, incoming.source, incoming.status) == (1, "transfer", "open")

    ship_transfer(transfer, users["employee"])
    assert level(shelf["cap"], stores["BER"]) == (0, 0)
    receive_transfer(TransferOrder.get_by_id(transfer.id), users["employee_ham"])

    assert level(shelf["cap"], stores["HAM"]) == (1, 0)
    assert IncomingStock.get_by_id(incoming.id).status == "received"
    kinds = [m.kind for m in StockMovement.select().where(
        StockMovement.reference == transfer.number).order_by(StockMovement.id)]
    assert kinds == ["reservation", "transfer_out", "transfer_in"]
    assert check_levels() == []


def test_nobody_in_need_keeps_the_item_here(ctx, shelf, stores, users):
    rule(1, "transfer")
    line = counter_return(users, stores, "opened")
    assert (line.disposition, line.target.code) == ("restock", "BER")
    assert TransferOrder.select().count() == 0


def test_rules_match_by_condition_and_category_first_match_wins(ctx, shelf, stores):
    cap = shelf["cap"]
    cap.category = "Caps"
    rules = [rule(1, "scrap", conditions="damaged", categories="Caps"),
             rule(2, "refurbish", conditions="damaged"), rule(3, "restock")]

    assert decide(cap, "damaged", stores["BER"], rules).disposition == "scrap"
    shelf["shoe"].category = "Shoes"
    assert decide(shelf["shoe"], "damaged", stores["BER"], rules).disposition == "refurbish"
    assert decide(cap, "opened", stores["BER"], rules).disposition == "restock"
    RestockRule.update(active=False).where(RestockRule.position == 1).execute()
    assert decide(cap, "damaged", stores["BER"]).disposition == "refurbish"


def test_neediest_prefers_the_location_that_sold_most_and_ignores_stocked_ones(ctx, shelf,
                                                                              stores):
    sold_at(shelf["shoe"], stores["WH"], 5)   # WH sold shoes but has none: needs them most
    # HAM sold one but still has one on the shelf (shelf fixture): not in need.
    sold_at(shelf["shoe"], stores["HAM"], 1)
    stock.receive_stock(shelf["shoe"], stores["HAM"], 1)
    need = neediest(shelf["shoe"], stores["BER"])
    assert (need.location.code, need.sold, need.available) == ("WH", 5, 0)


def test_a_transfer_never_takes_the_source_below_its_safety_stock(ctx, shelf, stores, users):
    stock.set_safety_stock(shelf["cap"], stores["WH"], 4)  # 5 on hand: 1 available
    movements = StockMovement.select().count()

    with pytest.raises(InsufficientStock):
        create_transfer(stores["WH"], stores["BER"], [(shelf["cap"], 2)], users["manager"])

    assert TransferOrder.select().count() == 0 and IncomingStock.select().count() == 0
    assert StockMovement.select().count() == movements
    create_transfer(stores["WH"], stores["BER"], [(shelf["cap"], 1)], users["manager"])


def test_an_approved_transfer_can_be_cancelled_but_not_twice(ctx, shelf, stores, users):
    transfer = create_transfer(stores["WH"], stores["BER"], [(shelf["cap"], 2)],
                               users["manager"])
    cancel_transfer(transfer, users["manager"])
    assert level(shelf["cap"], stores["WH"]) == (5, 0)
    assert IncomingStock.get().status == "cancelled"
    with pytest.raises(TransferRefused):
        ship_transfer(TransferOrder.get_by_id(transfer.id), users["manager"])
    assert check_levels() == []


def test_a_transfers_incoming_is_received_only_on_the_transfer(ctx, shelf, stores, users):
    transfer = create_transfer(stores["WH"], stores["BER"], [(shelf["cap"], 2)],
                               users["manager"])
    incoming = IncomingStock.get(IncomingStock.reference == transfer.number)
    movements = StockMovement.select().count()

    with pytest.raises(StockError, match="receive it on the transfer"):
        stock.receive_incoming(incoming, user=users["employee"])

    assert IncomingStock.get_by_id(incoming.id).status == "open"
    assert StockMovement.select().count() == movements
    assert check_levels() == []
