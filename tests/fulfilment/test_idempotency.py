"""A reported step with an event id counts once per source: a replay answers as before,
another body under the same id is refused, concurrent duplicates apply once."""

from __future__ import annotations

import pytest

from portal.db import db
from portal.fulfilment.errors import EventIdReused
from portal.fulfilment.models import FulfillmentEvent, FulfillmentOrder
from portal.fulfilment.services import advance
from tests.fulfilment.conftest import fulfilments, paid_order
from tests.inventory.test_concurrency import run_in_threads


def test_the_same_event_again_changes_nothing(ctx, shelf):
    (fulfillment,) = fulfilments(paid_order(("SNK-1", 1)))
    first = advance(fulfillment, "accepted", "wms", event_id="ev-1", source="api:1")

    again = advance(fulfillment, "accepted", "wms", event_id="ev-1", source="api:1")

    assert not first.replayed and again.replayed and again.event.id == first.event.id
    assert FulfillmentEvent.select().count() == 1
    # Another source may use the same id for its own event.
    advance(fulfillment, "picked", "wms", event_id="ev-1", source="api:2")
    assert FulfillmentOrder.get_by_id(fulfillment.id).status == "picking"


def test_the_same_event_id_with_another_body_is_refused(ctx, shelf):
    (fulfillment,) = fulfilments(paid_order(("SNK-1", 1)))
    advance(fulfillment, "accepted", "wms", event_id="ev-1", source="api:1")

    with pytest.raises(EventIdReused):
        advance(fulfillment, "rejected", "wms", event_id="ev-1", source="api:1",
                payload={"reason": "other"})
    assert FulfillmentOrder.get_by_id(fulfillment.id).status == "accepted"


def test_concurrent_duplicates_apply_once(app, ctx, shelf):
    (fulfillment,) = fulfilments(paid_order(("SNK-1", 1)))
    db.close()

    results = run_in_threads(app, lambda i: advance(fulfillment, "accepted", "wms",
                                                    event_id="ev-dup", source="api:1"), 6)

    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(1 for r in results if not r.replayed) == 1
    assert FulfillmentEvent.select().count() == 1
    assert FulfillmentOrder.get_by_id(fulfillment.id).status == "accepted"


def test_concurrent_different_steps_apply_one(app, ctx, shelf):
    (fulfillment,) = fulfilments(paid_order(("SNK-1", 1)))
    db.close()

    results = run_in_threads(app, lambda i: advance(fulfillment, "accepted", "wms",
                                                    event_id=f"ev-{i}", source="api:1"), 6)

    assert sum(1 for r in results if not isinstance(r, Exception)) == 1
    assert FulfillmentEvent.select().count() == 1
