"""What a customer sees of an order: the public tracking page (``/track/<token>``) and
its JSON (``GET /api/v1/tracking/<token>``).

The token is the only key, so both answer an unknown or malformed token alike (404)
and show nothing a stranger holding the link should not read: no names, no street
of the customer, no staff, no internal notes, never the pickup code or the locker's
opening code (those travel only by e-mail).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from peewee import JOIN

from portal.locations.models import Location
from portal.notifications.messages import public_url
from portal.orders.models import Order
from portal.orders.status import DeliveryMethod, OrderStatus
from portal.returns.models import ReturnOrder
from portal.returns.refund_keys import latest_statuses
from portal.returns.status import STATUS_LABELS as RETURN_LABELS
from portal.returns.status import ReturnStatus
from portal.shipping.models import ParcelLocker, Shipment
from portal.shipping.queries import HOUSE, TrackingUrls, add_events, of_order
from portal.shipping.status import Destination

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")  # secrets.token_urlsafe: 32 characters today


@dataclass(frozen=True)
class Event:
    status: str
    at: datetime
    place: str


@dataclass
class TrackedShipment:
    tracking_number: str
    carrier: str
    service: str
    status: str
    parcels: int
    url: str | None  # where the carrier tracks it (ours: /track/parcel/<number>)
    events: list[Event] = field(default_factory=list)

    @property
    def link(self) -> str | None:
        """The carrier's page to link to: none for our own carrier, whose page is this."""
        return None if self.carrier == HOUSE else self.url


@dataclass(frozen=True)
class TrackedReturn:
    """A return of the order: its state, the refund so far and its parcel, if any."""

    number: str
    status: str
    refund_total: Decimal
    refund_status: str | None  # of the refund, None before there is one
    tracking_number: str | None
    parcel_status: str | None

    @property
    def label(self):
        return RETURN_LABELS.get(self.status, self.status)

    @property
    def has_label(self) -> bool:
        """A return label the customer may print (``/track/<token>/returns/<rma>/...``)."""
        return self.tracking_number is not None and self.status != ReturnStatus.CANCELLED


@dataclass
class Tracking:
    order: Order
    pickup_store: Location | None
    locker: ParcelLocker | None
    shipments: list[TrackedShipment]  # to the customer; return parcels are in ``returns``
    returns: list[TrackedReturn] = field(default_factory=list)

    @property
    def ready_for_pickup(self) -> bool:
        return self.order.status == OrderStatus.READY_FOR_PICKUP

    @property
    def city(self) -> str:
        """The town the order goes to (the pickup store's, the locker's, the customer's)."""
        place = self.pickup_store or self.locker
        return place.city if place else self.order.ship_city


def find_order(token: str) -> Order | None:
    """The order of a tracking token; None for anything else (one answer for both)."""
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        return None
    return Order.get_or_none(Order.tracking_token == token)


def tracking_of(order: Order) -> Tracking:
    """Everything the tracking page shows (six small queries)."""
    store = (Location.get_or_none(Location.id == order.pickup_location_id)
             if order.delivery_method == DeliveryMethod.CLICK_COLLECT
             and order.pickup_location_id else None)
    locker = (ParcelLocker.get_or_none(ParcelLocker.code == order.locker_id)
              if order.delivery_method == DeliveryMethod.LOCKER and order.locker_id else None)
    urls = TrackingUrls()
    shipments = [
        TrackedShipment(
            tracking_number=view.shipment.tracking_number, carrier=view.shipment.carrier,
            service=view.shipment.service, status=view.shipment.status,
            parcels=len(view.parcels),
            url=urls(view.shipment),
            events=[Event(e.status, e.at, e.place) for e in view.events])
        for view in add_events(of_order(order.id))
        if view.shipment.destination != Destination.RETURN]
    return Tracking(order, store, locker, shipments, returns_of(order))


def returns_of(order: Order) -> list[TrackedReturn]:
    """The order's returns, oldest first, with their parcels and refunds (two queries)."""
    rows = list(ReturnOrder.select(ReturnOrder.number, ReturnOrder.status,
                                   ReturnOrder.refund_total, Shipment.tracking_number,
                                   Shipment.status)
                .join(Shipment, JOIN.LEFT_OUTER)
                .where(ReturnOrder.order == order.id).order_by(ReturnOrder.id).tuples())
    refunds = latest_statuses([row[0] for row in rows])
    return [TrackedReturn(number, status, Decimal(total), refunds.get(number),
                          tracking_number, parcel_status)
            for number, status, total, tracking_number, parcel_status in rows]


def _address(place) -> dict | None:
    if place is None:
        return None
    return {"name": place.name, "street": place.street, "postcode": place.postcode,
            "city": place.city, "country": place.country}


def tracking_json(tracking: Tracking) -> dict:
    """The tracking page as JSON."""
    order = tracking.order
    locker = tracking.locker
    return {
        "order_number": order.number, "status": order.status,
        "placed_at": order.created_at.isoformat() + "Z",
        "delivery": {
            "method": order.delivery_method, "city": tracking.city or None,
            "pickup_store": _address(tracking.pickup_store),
            "ready_for_pickup": tracking.ready_for_pickup,
            "locker": ({"id": order.locker_id, **(_address(locker) or {})}
                       if order.delivery_method == DeliveryMethod.LOCKER else None)},
        "shipments": [{
            "tracking_number": s.tracking_number, "carrier": s.carrier, "service": s.service,
            "status": s.status, "parcels": s.parcels, "tracking_url": s.url,
            "events": [{"status": e.status, "at": e.at.isoformat() + "Z", "place": e.place}
                       for e in s.events]} for s in tracking.shipments],
        "returns": [{
            "rma": r.number, "status": r.status,
            "refund": {"total": f"{r.refund_total:.2f}", "status": r.refund_status},
            "tracking_number": r.tracking_number,
            "label_url": public_url("tracking.return_label", token=order.tracking_token,
                                    rma=r.number) if r.has_label else None}
            for r in tracking.returns],
    }
