"""Read models of shipments: with their parcels (one query per answer, however many
shipments), their tracking timelines, tracking URLs, and the JSON the APIs show.

Nothing here shows a locker's opening code (``locker_pin``): only the customer's
e-mail carries it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from peewee import JOIN

from portal.fulfilment.models import FulfillmentOrder
from portal.locations.models import Location
from portal.shipping.carriers import format_kg, get_carrier
from portal.shipping.errors import ShippingInvalid
from portal.shipping.models import Parcel, Shipment, ShipmentEvent
from portal.shipping.status import ORDER, Destination, ShipmentStatus

HOUSE = "house"


@dataclass
class ShipmentView:
    """A shipment with its parcels (by parcel number) and, where asked, its events
    (newest first)."""

    shipment: Shipment
    parcels: list[Parcel] = field(default_factory=list)
    events: list[ShipmentEvent] = field(default_factory=list)


def with_parcels(*conditions) -> list[ShipmentView]:
    """Shipments matching ``conditions`` with their parcels, in one query, oldest first."""
    rows = (Shipment.select(Shipment, Parcel).join(Parcel, JOIN.LEFT_OUTER)
            .where(*conditions).order_by(Shipment.id, Parcel.parcel_no))
    views: dict[int, ShipmentView] = {}
    for row in rows:
        view = views.get(row.id)
        if view is None:
            view = views[row.id] = ShipmentView(row)
        parcel = getattr(row, "parcel", None)
        if parcel is not None and parcel.id is not None:
            view.parcels.append(parcel)
    return list(views.values())


def of_order(order_id: int) -> list[ShipmentView]:
    return with_parcels(Shipment.order == order_id)


def of_fulfilments(fulfillment_ids: list[int]) -> dict[int, list[ShipmentView]]:
    """Fulfilment id → its shipments (one query for all of them)."""
    if not fulfillment_ids:
        return {}
    grouped: dict[int, list[ShipmentView]] = defaultdict(list)
    for view in with_parcels(Shipment.fulfillment.in_(list(fulfillment_ids))):
        grouped[view.shipment.fulfillment_id].append(view)
    return dict(grouped)


def by_fulfilment(order_id: int) -> list[dict]:
    """The order page's shipments with their timelines, grouped per fulfilment
    ``{"fulfilment", "shipments"}`` in the order they were made (three queries). Return
    parcels are left out: the order's returns show them."""
    views = add_events([view for view in of_order(order_id)
                        if view.shipment.destination != Destination.RETURN])
    ids = list({view.shipment.fulfillment_id for view in views} - {None})
    fulfilments = ({f.id: f for f in FulfillmentOrder.select(FulfillmentOrder, Location)
                    .join(Location).where(FulfillmentOrder.id.in_(ids))} if ids else {})
    groups: dict[int | None, dict] = {}
    for view in views:
        key = view.shipment.fulfillment_id
        groups.setdefault(key, {"fulfilment": fulfilments.get(key), "shipments": []})[
            "shipments"].append(view)
    return list(groups.values())


def add_events(views: list[ShipmentView]) -> list[ShipmentView]:
    """Fill each view's timeline, newest first (one query)."""
    by_id = {view.shipment.id: view for view in views}
    if by_id:
        for event in (ShipmentEvent.select().where(ShipmentEvent.shipment.in_(list(by_id)))
                      .order_by(ShipmentEvent.at.desc(), ShipmentEvent.id.desc())):
            by_id[event.shipment_id].events.append(event)
    return views


class TrackingUrls:
    """Tracking URLs per carrier, each carrier built once per answer. A carrier the
    portal has no adapter for (numbers a WMS reported, ``external``) has none."""

    def __init__(self):
        self._carriers: dict[str, object] = {}

    def __call__(self, shipment: Shipment) -> str | None:
        code = shipment.carrier
        if code not in self._carriers:
            try:
                self._carriers[code] = get_carrier(code)
            except ShippingInvalid:
                self._carriers[code] = None
        carrier = self._carriers[code]
        return carrier.tracking_url(shipment.tracking_number) if carrier else None


def shipment_json(view: ShipmentView, urls: TrackingUrls) -> dict:
    """A shipment as the order and WMS APIs show it."""
    shipment = view.shipment
    return {"tracking_number": shipment.tracking_number, "carrier": shipment.carrier,
            "service": shipment.service, "status": shipment.status,
            "destination": shipment.destination,
            "parcels": [{"parcel_no": parcel.parcel_no, "weight_kg": format_kg(parcel.weight_kg),
                         "sscc": parcel.sscc} for parcel in view.parcels],
            "tracking_url": urls(shipment)}


def order_shipments_json(order_id: int) -> list[dict]:
    urls = TrackingUrls()
    return [shipment_json(view, urls) for view in of_order(order_id)]


def fulfilment_shipments_json(fulfillment_ids: list[int]) -> dict[int, list[dict]]:
    """Fulfilment id → its shipments as JSON (one query for all of them)."""
    urls = TrackingUrls()
    return {fid: [shipment_json(view, urls) for view in views]
            for fid, views in of_fulfilments(fulfillment_ids).items()}


def find_shipment(tracking_number: str) -> Shipment | None:
    """The shipment with this tracking number (as printed, or in capitals)."""
    number = (tracking_number or "").strip()
    if not number or len(number) > 40:
        return None
    return Shipment.get_or_none(Shipment.tracking_number.in_(list({number, number.upper()})))


def event_moved(event: ShipmentEvent) -> bool:
    """Whether ``event`` moved its shipment: its status lies beyond every status
    recorded before it (the shipment's status is always the furthest so far)."""
    earlier = [status for (status,) in ShipmentEvent.select(ShipmentEvent.status)
               .where(ShipmentEvent.shipment == event.shipment_id, ShipmentEvent.id < event.id)
               .tuples()]
    rank = {status.value: n for n, status in enumerate(ORDER)}
    furthest = max((rank.get(status, 0) for status in earlier), default=-1)
    return rank.get(event.status, 0) > furthest


def can_report_by_hand(shipment: Shipment) -> bool:
    """Our own vans report through the portal: a house-carrier shipment on its way to a
    home or a locker (parcels to a pickup store are received by the store)."""
    return (shipment.carrier == HOUSE and shipment.destination != Destination.STORE
            and shipment.status in (ShipmentStatus.HANDED_OVER, ShipmentStatus.IN_TRANSIT))
