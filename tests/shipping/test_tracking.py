"""Tracking events move shipments forward only, the order follows to delivered when
every shipment is, and the customer's e-mails carry what they need (the locker code)."""

from __future__ import annotations

from portal.notifications.models import OutboxMessage
from portal.shipping.models import ShipmentEvent
from portal.shipping.queries import by_fulfilment, event_moved, find_shipment
from portal.shipping.tracking import report
from tests.fulfilment.conftest import shelf  # noqa: F401 - fixture
from tests.shipping.shipped import current, make_locker, shipped_order


def test_the_order_is_delivered_once_every_shipment_is(ctx, shelf, users):  # noqa: F811
    order, (ber, wh) = shipped_order(users["logistics"], ("SNK-1", 1), ("CAP-1", 1),
                                     sources={"SNK-1": "BER", "CAP-1": "WH"})
    assert order.status == "shipped" and {ber.status, wh.status} == {"handed_over"}

    report(ber, "delivered", users["logistics"], place="Berlin")
    assert current(order).status == "shipped"  # the cap is still on its way

    done = report(wh, "delivered", users["logistics"])

    assert done.moved and current(wh).delivered_at is not None
    assert current(order).status == "delivered"


def test_a_backwards_event_is_recorded_but_moves_nothing(ctx, shelf, users):  # noqa: F811
    order, (shipment,) = shipped_order(users["logistics"])
    report(shipment, "delivered", "DHL", source="api:1", event_id="e1")

    late = report(shipment, "in_transit", "DHL", source="api:1", event_id="e2", place="Hub")

    assert late.moved is False and current(shipment).status == "delivered"
    assert current(order).status == "delivered"
    assert [e.status for e in ShipmentEvent.select().order_by(ShipmentEvent.id)] == [
        "created", "handed_over", "delivered", "in_transit"]
    assert event_moved(late.event) is False
    assert event_moved(ShipmentEvent.get(ShipmentEvent.event_id == "e1")) is True


def test_the_delivered_mail_of_a_locker_parcel_carries_the_locker_code(ctx, shelf,  # noqa: F811
                                                                        users):
    make_locker()
    order, (shipment,) = shipped_order(users["logistics"], delivery_method="locker",
                                       locker_id="PS-4711")
    assert shipment.destination == "locker" and len(shipment.locker_pin) == 6

    report(shipment, "delivered", "DHL", source="api:1", event_id="d1")

    message = OutboxMessage.get(OutboxMessage.kind == "shipment_delivered")
    assert shipment.locker_pin in message.text_body
    assert "PS-4711" in message.text_body and "Alexanderplatz 1" in message.text_body
    assert current(order).status == "delivered"


def test_shipments_are_found_by_tracking_number_and_grouped_per_fulfilment(ctx, shelf,  # noqa: F811
                                                                          users):
    order, (ber, wh) = shipped_order(users["logistics"], ("SNK-1", 1), ("CAP-1", 1),
                                     sources={"SNK-1": "BER", "CAP-1": "WH"})

    assert find_shipment(f" {ber.tracking_number.lower()} ").id == ber.id
    assert find_shipment("HC000000000DE") is None and find_shipment("x" * 80) is None
    groups = by_fulfilment(order.id)
    assert [g["fulfilment"].location.code for g in groups] == ["BER", "WH"]
    assert [e.status for e in groups[0]["shipments"][0].events] == ["handed_over", "created"]
    assert [p.parcel_no for p in groups[1]["shipments"][0].parcels] == [1]
