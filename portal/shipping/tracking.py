"""Tracking events: a carrier (its webhook, ``POST /api/v1/shipments/{number}/events``),
a WMS or a person in the portal reports what happened to a shipment.

``report`` moves the shipment forward only (a carrier may skip states, never go back;
a late ``in_transit`` after ``delivered`` is recorded on the timeline but moves
nothing), stores each report once per (source, event id), lets the order follow (a
return parcel: its return, ``returns.carrier``), and queues the customer's e-mails:
"on its way" when the carrier takes a parcel to the customer, "arrived" (with the
locker code for a locker) when it is delivered. Parcels to a pickup store send nothing
themselves: the pickup code follows when everything is there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import peewee as pw
from flask_babel import lazy_gettext as _l

from portal.db import transaction
from portal.errors import DomainError
from portal.fulfilment.progress import order_follows
from portal.notifications.messages import SHIPMENT_DELIVERED, SHIPMENT_SENT
from portal.notifications.services import queue_order_message
from portal.orders.models import Order
from portal.returns.carrier import return_follows
from portal.shipping.errors import ShippingInvalid
from portal.shipping.models import ParcelLocker, Shipment, ShipmentEvent
from portal.shipping.shipments import add_event, move, shipments_of, take_external_number
from portal.shipping.status import Destination, ShipmentStatus, is_forward

# What a carrier may report; "created" is the portal's own when the label is made.
REPORTABLE = (ShipmentStatus.HANDED_OVER, ShipmentStatus.IN_TRANSIT, ShipmentStatus.DELIVERED)


class TrackingEventInvalid(DomainError):
    code = "invalid"
    status = 422


@dataclass
class Reported:
    shipment: Shipment
    event: ShipmentEvent
    replayed: bool = False
    moved: bool = False


def report(shipment: Shipment, status: str, actor, *, source: str = "portal",
           event_id: str | None = None, place: str = "", note: str = "",
           at: datetime | None = None) -> Reported:
    """Record one tracking event (see the module docstring)."""
    if status not in set(REPORTABLE):
        raise TrackingEventInvalid(str(_l("Unknown tracking status.")),
                                   fields={"status": ", ".join(REPORTABLE)})
    if event_id and (earlier := _earlier(source, event_id)) is not None:
        return earlier
    try:
        with transaction():
            current = Shipment.get_by_id(shipment.id)
            event = add_event(current, status, actor, place=place, note=note, source=source,
                           event_id=event_id, at=at)
            moved = is_forward(current.status, status) and move(current, status)
            if moved and current.destination == Destination.RETURN:
                return_follows(Shipment.get_by_id(current.id), actor)
            elif moved:
                notify_customer(Shipment.get_by_id(current.id))
                order_follows(Order.get_by_id(current.order_id), actor,
                              current.tracking_number)
    except pw.IntegrityError:
        earlier = _earlier(source, event_id) if event_id else None
        if earlier is None:
            raise
        return earlier
    return Reported(Shipment.get_by_id(shipment.id), event, moved=moved)


def _earlier(source: str, event_id: str) -> Reported | None:
    event = ShipmentEvent.get_or_none(ShipmentEvent.source == source,
                                      ShipmentEvent.event_id == event_id)
    if event is None:
        return None
    return Reported(Shipment.get_by_id(event.shipment_id), event, replayed=True)


def hand_over(fulfillment, actor, tracking_number: str | None = None) -> list[Shipment]:
    """A fulfilment shipped: its shipments go to the carrier (inside the step's
    transaction; the step lets the order follow). A WMS may name the tracking number it
    shipped under."""
    shipments = shipments_of(fulfillment.id)
    if not shipments:
        raise ShippingInvalid(str(_l("Fulfilment %(number)s has no shipment; pack it first.",
                                     number=fulfillment.number)))
    if tracking_number:
        shipments[0] = take_external_number(shipments[0], tracking_number)
    place = f"{fulfillment.location.name}, {fulfillment.location.city}"
    for shipment in shipments:
        if shipment.status == ShipmentStatus.CREATED and move(shipment,
                                                              ShipmentStatus.HANDED_OVER):
            add_event(shipment, ShipmentStatus.HANDED_OVER, actor, place=place)
            notify_customer(Shipment.get_by_id(shipment.id))
    return shipments


def notify_customer(shipment: Shipment) -> None:
    """Queue the customer's e-mail for a parcel that left or arrived (none for parcels
    to a pickup store: the pickup code follows when everything is there)."""
    if shipment.destination == Destination.STORE:
        return
    kind = {ShipmentStatus.HANDED_OVER: SHIPMENT_SENT,
            ShipmentStatus.DELIVERED: SHIPMENT_DELIVERED}.get(shipment.status)
    if kind is not None:
        queue_order_message(Order.get_by_id(shipment.order_id), kind,
                            ref=shipment.tracking_number, extra=message_context(shipment))


def message_context(shipment: Shipment) -> dict:
    locker = (ParcelLocker.get_or_none(ParcelLocker.code == shipment.locker_code)
              if shipment.locker_code else None)
    address = (f"{locker.street}, {locker.postcode} {locker.city}" if locker else "")
    return {"shipment": shipment, "locker": locker, "locker_address": address}
