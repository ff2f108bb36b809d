"""Stock services: every change is atomic, ledgered and never oversells."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.inventory import services
from portal.inventory.errors import InsufficientStock, InventoryInvalid, StockError
from portal.inventory.ledger import check_levels, rebuild_levels
from portal.inventory.models import IncomingStock, StockLevel, StockMovement


def level(product, location) -> StockLevel:
    return StockLevel.get(StockLevel.product == product, StockLevel.location == location)


def movements() -> int:
    return StockMovement.select().count()


def test_receive_writes_one_ledger_row_with_user_and_reference(product, stores, users):
    services.receive_stock(product, stores["BER"], 10, user=users["manager"], reference="PO-1")

    assert level(product, stores["BER"]).on_hand == 10
    row = StockMovement.get()
    assert (row.kind, row.on_hand_delta, row.reference, row.user_id) == (
        "receipt", 10, "PO-1", users["manager"].id)


def test_every_service_writes_exactly_one_row_per_level_it_changes(product, stores):
    ber, ham = stores["BER"], stores["HAM"]
    steps = [
        (lambda: services.receive_stock(product, ber, 20), 1),
        (lambda: services.adjust_stock(product, ber, -2, "damage", note="wet box"), 1),
        (lambda: services.move_stock(product, ber, ham, 5), 2),
        (lambda: services.set_safety_stock(product, ber, 3), 1),
        (lambda: services.reserve_stock(product, ber, 4, "OMS-1"), 1),
        (lambda: services.release_stock(product, ber, 1, "OMS-1"), 1),
        (lambda: services.ship_reserved_stock(product, ber, 3, "OMS-1"), 1),
        (lambda: services.count_stock(product, ham, 4), 1),
    ]
    for step, rows in steps:
        before = movements()
        step()
        assert movements() - before == rows

    assert (level(product, ber).on_hand, level(product, ber).reserved) == (10, 0)
    assert level(product, ham).on_hand == 4
    assert check_levels() == []


def test_adjust_below_zero_is_refused_and_changes_nothing(product, stores):
    services.receive_stock(product, stores["BER"], 3)

    with pytest.raises(StockError, match="only 3 on hand"):
        services.adjust_stock(product, stores["BER"], -4, "theft")

    assert level(product, stores["BER"]).on_hand == 3
    assert movements() == 1


def test_on_hand_cannot_drop_below_what_is_reserved(product, stores):
    services.receive_stock(product, stores["BER"], 5)
    services.reserve_stock(product, stores["BER"], 4, "OMS-7")

    with pytest.raises(StockError, match="reserved for orders"):
        services.adjust_stock(product, stores["BER"], -2, "damage")

    assert level(product, stores["BER"]).on_hand == 5


def test_reserving_more_than_available_is_refused(product, stores):
    services.receive_stock(product, stores["BER"], 5)
    services.set_safety_stock(product, stores["BER"], 2)

    with pytest.raises(InsufficientStock, match="Only 3 of SNK-1 available at BER, 4 needed"):
        services.reserve_stock(product, stores["BER"], 4, "OMS-8")

    assert level(product, stores["BER"]).reserved == 0


def test_moving_more_than_available_changes_neither_side(product, stores):
    services.receive_stock(product, stores["BER"], 2)

    with pytest.raises(InsufficientStock):
        services.move_stock(product, stores["BER"], stores["HAM"], 3)

    assert level(product, stores["BER"]).on_hand == 2
    assert StockLevel.select().where(StockLevel.location == stores["HAM"]).count() == 0
    assert movements() == 1


@pytest.mark.parametrize("quantity", [0, -1, 1_000_001, 2.5, True])
def test_bad_quantities_are_refused(product, stores, quantity):
    with pytest.raises(InventoryInvalid):
        services.receive_stock(product, stores["BER"], quantity)
    assert movements() == 0


def test_adjustment_needs_a_known_reason(product, stores):
    with pytest.raises(InventoryInvalid, match="reason"):
        services.adjust_stock(product, stores["BER"], 1, "because")


def test_count_sets_the_counted_figure(product, stores):
    services.receive_stock(product, stores["BER"], 9)

    delta = services.count_stock(product, stores["BER"], 6, note="shelf count")

    assert delta == -3
    assert level(product, stores["BER"]).on_hand == 6
    assert StockMovement.select().order_by(StockMovement.id.desc()).get().reason == \
        "count: shelf count"


def test_incoming_stock_is_received_once(product, stores, users):
    incoming = services.add_incoming(product, stores["WH"], 40, date.today() + timedelta(days=2),
                                     reference="PO-9", user=users["manager"])

    services.receive_incoming(incoming, quantity=38)
    short = IncomingStock.get_by_id(incoming.id)
    assert (short.status, short.quantity) == ("open", 2)  # the rest is still expected
    services.receive_incoming(incoming)
    with pytest.raises(StockError, match="already received"):
        services.receive_incoming(incoming)

    assert level(product, stores["WH"]).on_hand == 40
    assert IncomingStock.get_by_id(incoming.id).status == "received"


def test_stock_check_finds_and_rebuild_repairs_a_tampered_level(product, stores):
    services.receive_stock(product, stores["BER"], 7)
    StockLevel.update(on_hand=70).execute()  # someone wrote around the services

    differences = check_levels()
    assert len(differences) == 1 and differences[0].ledger == (7, 0, 0)
    assert "SNK-1 @ BER" in differences[0].describe()

    assert rebuild_levels() == 1
    assert check_levels() == []
    assert level(product, stores["BER"]).on_hand == 7


def test_stock_check_cli_exits_1_on_a_difference(app, product, stores):
    services.receive_stock(product, stores["BER"], 7)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["stock", "check"]).exit_code == 0

    StockLevel.update(reserved=1).execute()
    result = runner.invoke(args=["stock", "check"])

    assert result.exit_code == 1
    assert "SNK-1 @ BER" in result.output
    assert runner.invoke(args=["stock", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["stock", "check"]).exit_code == 0


def test_on_hand_has_an_upper_bound_that_every_database_can_store(product, stores):
    from portal.inventory.services import MAX_ON_HAND

    StockLevel.insert(product=product, location=stores["WH"], on_hand=MAX_ON_HAND - 5).execute()

    with pytest.raises(StockError, match="cannot hold more than"):
        services.receive_stock(product, stores["WH"], 10)

    assert level(product, stores["WH"]).on_hand == MAX_ON_HAND - 5


def test_reserving_where_the_product_was_never_stocked_is_refused_cleanly(product, stores):
    with pytest.raises(InsufficientStock, match="Only 0 of SNK-1 available at HAM"):
        services.reserve_stock(product, stores["HAM"], 1, "OMS-9")

    assert StockLevel.select().count() == 0 and movements() == 0
