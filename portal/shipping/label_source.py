"""From stored shipments to printable labels: one ``LabelData`` per parcel.

The sender is the location that ships, the recipient the customer (a locker delivery
names the locker, a Click & Collect part travelling to the pickup store names the
store); a return label goes from the customer to the returns location, with the RMA.
The QR code carries the carrier's tracking URL; the house carrier's points back to the
portal's public tracking page (``/track/parcel/<number>``), a number a WMS reported
from another carrier gets the order's own tracking page. A batch is read with a handful
of queries, however many parcels it holds.
"""

from __future__ import annotations

from collections import defaultdict

from flask_babel import gettext as _

from portal.fulfilment.models import FulfillmentOrder
from portal.locations.models import Location
from portal.notifications.messages import public_url
from portal.orders.models import Order
from portal.returns.models import ReturnOrder
from portal.shipping.carriers import SERVICE_NAMES, get_carrier
from portal.shipping.errors import ShippingInvalid
from portal.shipping.label_data import Address, LabelData
from portal.shipping.models import Parcel, ParcelLocker, Shipment
from portal.shipping.shipments import EXTERNAL
from portal.shipping.status import Destination


def location_address(location: Location) -> Address:
    """A location as a label address; a clear error when its address is incomplete."""
    if not (location.street and location.city):
        raise ShippingInvalid(_("%(code)s has no complete address; add street and city under "
                                "Locations before printing labels.", code=location.code))
    return Address(location.name, location.street, location.postcode, location.city,
                   location.country or "DE")


def _recipient(order: Order, store: Location | None) -> Address:
    name = order.ship_name or order.customer_name
    if store is not None and not order.ship_street:
        return Address(name, store.street, store.postcode, store.city, store.country)
    return Address(name, order.ship_street, order.ship_postcode, order.ship_city,
                   order.ship_country or "DE")


def _tracking_url(shipment: Shipment, order: Order) -> str:
    if shipment.carrier == EXTERNAL:
        return public_url("tracking.track", token=order.tracking_token)
    return get_carrier(shipment.carrier).tracking_url(shipment.tracking_number)


def labels_for(shipments: list[Shipment]) -> list[LabelData]:
    """Every parcel of ``shipments`` as a label, in the shipments' order."""
    if not shipments:
        return []
    ids = [s.id for s in shipments]
    parcels: dict[int, list[Parcel]] = defaultdict(list)
    for parcel in Parcel.select().where(Parcel.shipment.in_(ids)).order_by(Parcel.parcel_no):
        parcels[parcel.shipment_id].append(parcel)
    orders = {o.id: o for o in Order.select().where(Order.id.in_({s.order_id for s in shipments}))}
    senders = {f.id: f.location_id for f in FulfillmentOrder.select(
        FulfillmentOrder.id, FulfillmentOrder.location).where(
        FulfillmentOrder.id.in_({s.fulfillment_id for s in shipments}))}
    places = {p.id: p for p in Location.select().where(Location.id.in_(
        {*senders.values(), *(s.to_location_id for s in shipments if s.to_location_id)}))}
    lockers = {lk.code: lk for lk in ParcelLocker.select().where(ParcelLocker.code.in_(
        {s.locker_code for s in shipments if s.locker_code}))}
    rmas = dict(ReturnOrder.select(ReturnOrder.shipment, ReturnOrder.number)
                .where(ReturnOrder.shipment.in_(ids)).tuples())
    labels = []
    for shipment in shipments:
        order = orders[shipment.order_id]
        store = places.get(shipment.to_location_id) \
            if shipment.destination == Destination.STORE else None
        locker = lockers.get(shipment.locker_code)
        if shipment.destination == Destination.RETURN:
            sender = _recipient(order, None)  # the customer sends it back
            recipient = location_address(places[shipment.to_location_id])
        else:
            sender = location_address(places[senders[shipment.fulfillment_id]])
            recipient = _recipient(order, store)
        common = {
            "sender": sender, "recipient": recipient, "order_number": order.number,
            "is_return": shipment.destination == Destination.RETURN,
            "rma_number": rmas.get(shipment.id, ""),
            "tracking_number": shipment.tracking_number,
            "tracking_url": _tracking_url(shipment, order), "service": shipment.service,
            "service_name": str(SERVICE_NAMES.get(shipment.service, shipment.service)),
            "carrier_name": "House Carrier" if shipment.carrier == "house"
            else "Paketdienst / Carrier",
            "pickup_store": location_address(store) if store else None,
            "locker_id": locker.code if locker else "",
            "locker_address": Address(locker.name, locker.street, locker.postcode,
                                      locker.city, locker.country) if locker else None,
        }
        boxes = parcels[shipment.id]
        labels += [LabelData(**common, weight_kg=box.weight_kg, sscc=box.sscc,
                             parcel_no=box.parcel_no, parcel_count=len(boxes))
                   for box in boxes]
    return labels
