"""Returns anywhere, the service: a return announced for Berlin is received at Hamburg's
counter (location moves, the announced store stays, restock rules run for Hamburg, one
refund); a parcel the carrier has, a return received or cancelled, a place that is no
store taking returns and missing conditions are refused with nothing changed; two stores
receiving one return at once: one wins, the other is told, nothing is booked twice."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from portal.inventory.ledger import check_levels
from portal.inventory.models import StockMovement
from portal.payments import providers
from portal.payments.models import Refund
from portal.returns import receiving
from portal.returns.models import RestockRule, ReturnEvent, ReturnLine, ReturnOrder, TransferOrder
from portal.returns.receiving import receive_at_counter
from portal.returns.services import ReturnInvalid, cancel_return
from portal.shipping.models import Shipment
from portal.shipping.tracking import report
from tests.fulfilment.conftest import level
from tests.inventory.test_concurrency import run_in_threads
from tests.returns.screens import announced_for, by_post
from tests.returns.test_restock import sold_at


def line_of(rma) -> ReturnLine:
    return ReturnLine.get(ReturnLine.return_order == rma.id)


def returned_at(code: str) -> int:
    """Units booked back by return movements at the location ``code``."""
    return sum(m.on_hand_delta for m in StockMovement.select().join_from(
        StockMovement, StockMovement.location.rel_model).where(
        StockMovement.kind == "return",
        StockMovement.location.rel_model.code == code))


def unchanged(rma) -> bool:
    """Nothing of ``rma`` was received, booked or refunded."""
    current = ReturnOrder.get_by_id(rma.id)
    return (current.status == rma.status and current.location_id == rma.location_id
            and current.received_at is None and line_of(rma).condition == ""
            and StockMovement.select().where(StockMovement.kind == "return").count() == 0
            and Refund.select().count() == 0)


def test_a_return_announced_for_berlin_is_received_and_refunded_in_hamburg(
        ctx, shelf, stores, users):
    order, rma = announced_for(users, stores["BER"])
    assert (rma.location.code, rma.announced_location.code) == ("BER", "BER")

    received, refund = receive_at_counter(rma, stores["HAM"], {line_of(rma).id: "new"},
                                          users["employee_ham"], {line_of(rma).id: "tag on"})

    assert (received.status, received.location.code) == ("received", "HAM")
    assert received.announced_location.code == "BER" and received.received_at is not None
    assert refund.status == "succeeded" and Decimal(refund.amount) == Decimal("49.99")
    assert Decimal(ReturnOrder.get_by_id(rma.id).refund_total) == Decimal("49.99")
    assert (returned_at("HAM"), returned_at("BER")) == (1, 0)
    assert level(shelf["cap"], stores["HAM"]) == (1, 0)
    line = line_of(rma)
    assert (line.condition, line.disposition, line.target.code, line.note) == (
        "new", "restock", "HAM", "tag on")
    event = ReturnEvent.get(ReturnEvent.return_order == rma.id, ReturnEvent.kind == "received")
    assert (event.note, event.actor) == ("BER → HAM", "hamburg@test.example")
    assert check_levels() == []


def test_the_restock_rules_run_for_the_receiving_store(ctx, shelf, stores, users):
    RestockRule.create(position=1, name="to where it sells", action="transfer")
    sold_at(shelf["cap"], stores["BER"], 2)  # Berlin sold out of caps: it needs them
    _order, rma = announced_for(users, stores["BER"])

    receive_at_counter(rma, stores["HAM"], {line_of(rma).id: "opened"}, users["employee_ham"])

    transfer = TransferOrder.get()
    assert (transfer.from_location.code, transfer.to_location.code) == ("HAM", "BER")
    assert transfer.reason.startswith(f"{rma.number}:")
    assert (line_of(rma).disposition, line_of(rma).target.code) == ("transfer", "BER")
    assert level(shelf["cap"], stores["HAM"]) == (1, 1)  # booked here, reserved to leave


def test_a_parcel_the_carrier_has_is_received_where_it_goes_not_at_a_counter(
        ctx, shelf, stores, users, returns_wh):
    _order, rma = by_post(users)
    report(Shipment.get_by_id(rma.shipment_id), "handed_over", users["logistics"])
    rma = ReturnOrder.get_by_id(rma.id)
    assert rma.status == "in_transit"

    with pytest.raises(ReturnInvalid, match="on its way to WH already") as refused:
        receive_at_counter(rma, stores["HAM"], {line_of(rma).id: "new"}, users["employee_ham"])

    assert refused.value.status == 409 and unchanged(rma)


def test_a_label_not_used_yet_does_not_keep_the_customer_from_a_counter(
        ctx, shelf, stores, users, returns_wh):
    _order, rma = by_post(users)  # registered by post, then brought to Hamburg instead

    received, _refund = receive_at_counter(rma, stores["HAM"], {line_of(rma).id: "new"},
                                           users["employee_ham"])

    assert (received.location.code, received.announced_location.code) == ("HAM", "WH")
    assert returned_at("HAM") == 1 and returned_at("WH") == 0


def test_a_scan_between_the_check_and_the_booking_still_refuses_the_counter(
        ctx, shelf, stores, users, returns_wh, monkeypatch):
    _order, rma = by_post(users)
    checked = receiving.why_not_at_counter

    def scanned_meanwhile(found):
        answer = checked(found)  # the return was still registered when it was checked
        report(Shipment.get_by_id(found.shipment_id), "in_transit", users["logistics"])
        return answer

    monkeypatch.setattr(receiving, "why_not_at_counter", scanned_meanwhile)

    with pytest.raises(ReturnInvalid, match="on its way to WH already"):
        receive_at_counter(rma, stores["HAM"], {line_of(rma).id: "new"}, users["employee_ham"])

    assert ReturnOrder.get_by_id(rma.id).status == "in_transit"
    assert StockMovement.select().where(StockMovement.kind == "return").count() == 0


def test_a_received_or_cancelled_return_is_refused_with_its_reason(ctx, shelf, stores, users):
    _order, rma = announced_for(users, stores["BER"])
    receive_at_counter(rma, stores["BER"], {line_of(rma).id: "new"}, users["employee"])
    with pytest.raises(ReturnInvalid, match="was received at BER already"):
        receive_at_counter(rma, stores["HAM"], {line_of(rma).id: "new"}, users["employee_ham"])
    assert returned_at("HAM") == 0 and Refund.select().count() == 1

    _order, other = announced_for(users, stores["BER"])
    cancel_return(other, users["employee"])
    with pytest.raises(ReturnInvalid, match="is cancelled"):
        receive_at_counter(other, stores["HAM"], {line_of(other).id: "new"},
                           users["employee_ham"])
    assert ReturnOrder.get_by_id(other.id).status == "cancelled"


def test_only_a_store_taking_returns_receives_at_its_counter(ctx, shelf, stores, users):
    _order, rma = announced_for(users, stores["BER"])
    stores["HAM"].accepts_returns = False
    stores["HAM"].save()

    for place in (stores["WH"], stores["HAM"]):
        with pytest.raises(ReturnInvalid, match=f"{place.code} does not take returns"):
            receive_at_counter(rma, place, {line_of(rma).id: "new"}, users["manager"])

    assert unchanged(rma)


def test_every_line_needs_its_condition(ctx, shelf, stores, users):
    _order, rma = announced_for(users, stores["BER"])

    with pytest.raises(ReturnInvalid) as refused:
        receive_at_counter(rma, stores["HAM"], {}, users["employee_ham"])

    assert refused.value.fields == {f"lines.{line_of(rma).id}.condition":
                                    "Choose new, opened or damaged."}
    assert unchanged(rma)


def test_two_stores_receiving_one_return_at_once_book_it_once(app, shelf, stores, users,
                                                              monkeypatch):
    with app.app_context():
        _order, rma = announced_for(users, stores["BER"])
        line_id = line_of(rma).id
    adapter = providers.providers()["in_store"]
    original = adapter.refund

    def slow(payment, row):
        time.sleep(0.2)  # the winner's refund takes its time; the loser must not add one
        return original(payment, row)

    monkeypatch.setattr(adapter, "refund", slow)
    checked, rules, answers = receiving.why_not_at_counter, receiving.restock.active_rules, []

    def check(found):
        answers.append(checked(found))
        return answers[-1]

    def rules_slowly():
        time.sleep(0.2)  # both clerks have passed the check before either books
        return rules()

    monkeypatch.setattr(receiving, "why_not_at_counter", check)
    monkeypatch.setattr(receiving.restock, "active_rules", rules_slowly)
    clerks = [(stores["BER"], users["employee"]), (stores["HAM"], users["employee_ham"])]

    def receive(i):
        store, clerk = clerks[i]
        return receive_at_counter(ReturnOrder.get_by_id(rma.id), store, {line_id: "new"}, clerk)

    results = run_in_threads(app, receive, 2)

    with app.app_context():
        assert answers == ["", ""]  # the database decides, not the check before
        won = [r for r in results if isinstance(r, tuple)]
        lost = [r for r in results if isinstance(r, Exception)]
        assert len(won) == 1 and len(lost) == 1, results
        winner = won[0][0].location.code
        loser = "HAM" if winner == "BER" else "BER"
        assert isinstance(lost[0], ReturnInvalid) and lost[0].status == 409
        assert lost[0].message == f"Return {rma.number} was received at {winner} already."
        assert (returned_at(winner), returned_at(loser)) == (1, 0)
        assert ReturnEvent.select().where(ReturnEvent.return_order == rma.id,
                                          ReturnEvent.kind == "received").count() == 1
        assert Refund.select().where(Refund.status == "succeeded").count() == 1
        assert Refund.select().count() == 1
        assert Decimal(ReturnOrder.get_by_id(rma.id).refund_total) == Decimal("49.99")
        assert check_levels() == []
