"""Random sequences of stock operations: the database agrees with a simple model,
nothing goes negative and ``stock check`` finds no difference."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.inventory import services
from portal.inventory.errors import InventoryInvalid, StockError
from portal.inventory.ledger import check_levels
from portal.inventory.models import Product, StockLevel, StockMovement
from tests.inventory.conftest import make_product

OPERATIONS = st.lists(st.tuples(
    st.sampled_from(["receive", "adjust", "move", "reserve", "release", "ship", "safety"]),
    st.integers(0, 1),           # product
    st.integers(0, 2),           # location
    st.integers(0, 2),           # second location (moves)
    st.integers(1, 12),          # quantity
    st.booleans(),               # sign of an adjustment
), max_size=40)


def expected_outcome(model, op, p, a, b, qty, negative):
    """Apply ``op`` to the model; return False when the service must refuse it."""
    on_hand, reserved, safety = model.get((p, a), (0, 0, 0))
    available = on_hand - reserved - safety
    if op == "receive":
        model[(p, a)] = (on_hand + qty, reserved, safety)
    elif op == "adjust":
        delta = -qty if negative else qty
        if on_hand + delta < reserved:
            return False
        model[(p, a)] = (on_hand + delta, reserved, safety)
    elif op == "move":
        if a == b or available < qty:
            return False
        model[(p, a)] = (on_hand - qty, reserved, safety)
        t_on, t_res, t_saf = model.get((p, b), (0, 0, 0))
        model[(p, b)] = (t_on + qty, t_res, t_saf)
    elif op == "reserve":
        if available < qty:
            return False
        model[(p, a)] = (on_hand, reserved + qty, safety)
    elif op in ("release", "ship"):
        if reserved < qty:
            return False
        model[(p, a)] = (on_hand - (qty if op == "ship" else 0), reserved - qty, safety)
    elif op == "safety":
        model[(p, a)] = (on_hand, reserved, qty)
    return True


def call_service(op, product, a, b, qty, negative):
    if op == "receive":
        services.receive_stock(product, a, qty)
    elif op == "adjust":
        services.adjust_stock(product, a, -qty if negative else qty, "correction")
    elif op == "move":
        services.move_stock(product, a, b, qty)
    elif op == "reserve":
        services.reserve_stock(product, a, qty, "OMS-P")
    elif op == "release":
        services.release_stock(product, a, qty, "OMS-P")
    elif op == "ship":
        services.ship_reserved_stock(product, a, qty, "OMS-P")
    elif op == "safety":
        services.set_safety_stock(product, a, qty)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_random_operations_match_the_model_and_the_ledger(ctx, stores, operations):
    StockMovement.delete().execute()
    StockLevel.delete().execute()
    products = [Product.get_or_none(Product.sku == sku) or make_product(sku)
                for sku in ("P-A", "P-B")]
    locations = [stores["BER"], stores["HAM"], stores["WH"]]
    model: dict = {}

    for op, p, a, b, qty, negative in operations:
        should_work = expected_outcome(model, op, p, a, b, qty, negative)
        try:
            call_service(op, products[p], locations[a], locations[b], qty, negative)
            worked = True
        except (StockError, InventoryInvalid):  # refused: nothing may have changed
            worked = False
        assert worked == should_work, (op, p, a, b, qty, negative)

    stored = {(products.index(next(x for x in products if x.id == lvl.product_id)),
               locations.index(next(x for x in locations if x.id == lvl.location_id))):
              (lvl.on_hand, lvl.reserved, lvl.safety_stock) for lvl in StockLevel.select()}
    assert {k: v for k, v in stored.items() if v != (0, 0, 0)} == \
        {k: v for k, v in model.items() if v != (0, 0, 0)}
    assert all(min(v) >= 0 and v[0] >= v[1] for v in stored.values())
    assert check_levels() == []

