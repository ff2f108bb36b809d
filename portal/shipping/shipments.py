"""Shipments: the writers of shipments, parcels and tracking events.

``create_shipment`` runs when a fulfilment that travels is packed (the pack screen, a
bulk step or a WMS's ``packed`` event, inside that step's transaction): it decides where
the parcels go (home, a parcel locker, the pickup store of a Click & Collect order),
quotes the carrier's service from the heaviest parcel, draws a tracking number and an
SSCC per parcel, and records the ``created`` event. Handing over and later
tracking events are ``tracking.py``'s.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import peewee as pw
from flask_babel import gettext as _

from portal.audit.services import actor_label
from portal.db import transaction, utcnow
from portal.fulfilment.models import FulfillmentOrder
from portal.inventory.models import Product
from portal.locations.models import Location
from portal.orders.models import Order, OrderLine, Reservation
from portal.orders.status import DeliveryMethod, ReservationStatus
from portal.shipping import gs1
from portal.shipping.carriers import get_carrier, parse_weight
from portal.shipping.errors import ShippingInvalid
from portal.shipping.models import Parcel, ParcelLocker, Shipment, ShipmentEvent, TrackingNumber
from portal.shipping.services import issue_sscc
from portal.shipping.status import Destination, ShipmentStatus

MIN_PARCEL_KG = Decimal("0.1")  # what an empty box with padding weighs at least
MAX_DIMENSION_CM = 300
EXTERNAL = "external"  # the carrier of tracking numbers a WMS reports from its own carrier


@dataclass(frozen=True)
class ParcelSpec:
    """One box as packed: weight in kg, outer size in cm (0 = not measured), and an
    SSCC when the packer (a WMS) already has one."""

    weight_kg: Decimal
    length_cm: int = 0
    width_cm: int = 0
    height_cm: int = 0
    sscc: str | None = None

    @classmethod
    def parse(cls, raw: dict, name: str, errors: dict) -> ParcelSpec | None:
        """A parcel from form or JSON values; bad values go into ``errors`` under
        ``name.field`` and return None."""
        try:
            weight = parse_weight(raw.get("weight_kg"))
        except ShippingInvalid:
            errors[f"{name}.weight_kg"] = _("A weight in kg above 0, at most 1000.")
            weight = None
        sizes = {}
        for field in ("length_cm", "width_cm", "height_cm"):
            value = raw.get(field)
            if value in (None, ""):
                sizes[field] = 0
            elif isinstance(value, bool) or not str(value).strip().isdigit() \
                    or not 0 <= int(str(value).strip()) <= MAX_DIMENSION_CM:
                errors[f"{name}.{field}"] = _("Whole centimetres from 0 to %(most)s.",
                                              most=MAX_DIMENSION_CM)
            else:
                sizes[field] = int(str(value).strip())
        sscc = raw.get("sscc") or None
        if sscc is not None:
            try:
                sscc = gs1.validate_sscc(str(sscc))
            except gs1.GS1Invalid as error:
                errors[f"{name}.sscc"] = error.message
        if weight is None or len(sizes) < 3 or f"{name}.sscc" in errors:
            return None
        return cls(weight, sscc=sscc, **sizes)


def held_units(fulfillment: FulfillmentOrder, statuses=(ReservationStatus.ACTIVE,)):
    """(product, quantity) rows the order holds at the fulfilment's location."""
    return (Reservation.select(Product, Reservation.quantity)
            .join(OrderLine).join(Product)
            .where(OrderLine.order == fulfillment.order_id,
                   Reservation.location == fulfillment.location_id,
                   Reservation.status.in_(list(statuses))))


def suggested_weight(fulfillment: FulfillmentOrder) -> Decimal:
    """The articles' weight plus a little for the box: a starting value for packers."""
    grams = sum(r.line.product.weight_grams * r.quantity
                for r in held_units(fulfillment, (ReservationStatus.ACTIVE,
                                                  ReservationStatus.PROMISED)))
    return max(MIN_PARCEL_KG, (Decimal(grams) / 1000 * Decimal("1.1")).quantize(
        Decimal("0.1")))


def destination_of(order: Order, fulfillment: FulfillmentOrder) -> tuple[str, Location | None,
                                                                         ParcelLocker | None]:
    """Where a fulfilment's parcels go: (destination, pickup store, locker)."""
    if order.delivery_method == DeliveryMethod.CLICK_COLLECT:
        return Destination.STORE, Location.get_by_id(order.pickup_location_id), None
    if order.delivery_method == DeliveryMethod.LOCKER:
        locker = ParcelLocker.get_or_none(ParcelLocker.code == order.locker_id)
        if locker is None:
            raise ShippingInvalid(_("Parcel locker %(code)s is not known; correct the order's "
                                    "locker first.", code=order.locker_id or "''"))
        return Destination.LOCKER, None, locker
    return Destination.HOME, None, None


def _country(order: Order, store: Location | None, locker: ParcelLocker | None) -> str:
    return (store.country if store else locker.country if locker else order.ship_country) or "DE"


def create_shipment(fulfillment: FulfillmentOrder, parcels: list[ParcelSpec], actor,
                    tracking_number: str | None = None, carrier_code: str = "house") -> Shipment:
    """The shipment of a packed fulfilment (see the module docstring); a ShippingInvalid
    or NotShippable with nothing written when a parcel cannot go."""
    if not parcels:
        raise ShippingInvalid(_("Record at least one parcel."), fields={"parcels": _("Required.")})
    order = Order.get_by_id(fulfillment.order_id)
    destination, store, locker = destination_of(order, fulfillment)
    carrier = get_carrier(carrier_code)
    heaviest = max(parcels, key=lambda p: p.weight_kg)
    country = _country(order, store, locker)
    quote = carrier.quote(country, heaviest.weight_kg)
    prices = [carrier.quote(country, p.weight_kg, quote.service).price for p in parcels]
    with transaction():
        number = (_record_external(tracking_number) if tracking_number
                  else carrier.issue_tracking_number())
        shipment = Shipment.create(
            order=order.id, fulfillment=fulfillment.id,
            carrier=EXTERNAL if tracking_number else carrier.code, service=quote.service,
            tracking_number=number, destination=destination,
            to_location=store.id if store else None,
            locker_code=locker.code if locker else "",
            locker_pin=f"{secrets.randbelow(10**6):06d}" if locker else "",
            price=sum(prices, Decimal(0)), currency=quote.currency)
        Parcel.insert_many([
            {"shipment": shipment.id, "parcel_no": n, "weight_kg": p.weight_kg,
             "length_cm": p.length_cm, "width_cm": p.width_cm, "height_cm": p.height_cm,
             "sscc": p.sscc or issue_sscc()} for n, p in enumerate(parcels, start=1)]).execute()
        add_event(shipment, ShipmentStatus.CREATED, actor, place=_place(fulfillment))
    return shipment


def create_return_shipment(order: Order, to_location: Location, weight_kg: Decimal, actor,
                           carrier_code: str = "house") -> Shipment:
    """The parcel a customer sends back to ``to_location`` with a return label: one
    parcel, a tracking number and an SSCC (inside the caller's transaction)."""
    carrier = get_carrier(carrier_code)
    country = order.ship_country or "DE"
    quote = carrier.quote(country, weight_kg)
    with transaction():
        shipment = Shipment.create(
            order=order.id, carrier=carrier.code, service=quote.service,
            tracking_number=carrier.issue_tracking_number(), destination=Destination.RETURN,
            to_location=to_location.id, price=quote.price, currency=quote.currency)
        Parcel.create(shipment=shipment.id, parcel_no=1, weight_kg=weight_kg,
                      sscc=issue_sscc())
        add_event(shipment, ShipmentStatus.CREATED, actor, note="return label")
    return shipment


def _record_external(number: str) -> str:
    """Register a tracking number reported by a WMS; refuse one used before."""
    number = number.strip()
    try:
        with transaction():
            TrackingNumber.create(carrier=EXTERNAL, number=number)
    except pw.IntegrityError:
        raise ShippingInvalid(_("Tracking number %(number)s is already in use.", number=number),
                              fields={"tracking_number": _("Already used.")}) from None
    return number


def take_external_number(shipment: Shipment, number: str) -> Shipment:
    """A WMS shipped a packed fulfilment under its own carrier's tracking number: the
    shipment carries that number from now on (only before it left)."""
    number = number.strip()
    if number == shipment.tracking_number:
        return shipment
    if shipment.status != ShipmentStatus.CREATED:
        raise ShippingInvalid(_("Shipment %(number)s has left already; its tracking number "
                                "stays.", number=shipment.tracking_number))
    with transaction():
        _record_external(number)
        (Shipment.update(tracking_number=number, carrier=EXTERNAL, updated_at=utcnow())
         .where(Shipment.id == shipment.id).execute())
    return Shipment.get_by_id(shipment.id)


def _place(fulfillment: FulfillmentOrder) -> str:
    location = Location.get_by_id(fulfillment.location_id)
    return f"{location.name}, {location.city}".strip(", ")


def add_event(shipment: Shipment, status: str, actor, place: str = "", note: str = "",
           source: str = "portal", event_id: str | None = None,
           at: datetime | None = None) -> ShipmentEvent:
    """A line on the shipment's tracking timeline."""
    return ShipmentEvent.create(shipment=shipment.id, status=status, at=at or utcnow(),
                                place=place[:120], note=note[:200],
                                actor=actor_label(actor)[:160], source=source,
                                event_id=event_id)


def shipments_of(fulfillment_id: int) -> list[Shipment]:
    return list(Shipment.select().where(Shipment.fulfillment == fulfillment_id)
                .order_by(Shipment.id))


def move(shipment: Shipment, target: str) -> bool:
    """Move ``shipment`` from the state it was read in to ``target``; False when it
    moved meanwhile."""
    values = {"status": target, "updated_at": utcnow()}
    if target == ShipmentStatus.DELIVERED:
        values["delivered_at"] = utcnow()
    return (Shipment.update(**values)
            .where(Shipment.id == shipment.id, Shipment.status == shipment.status)
            .execute()) == 1
