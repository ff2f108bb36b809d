"""Shipping records: issued numbers (tracking numbers, SSCCs), parcel lockers, and the
shipments with their parcels and tracking events.

The number registries hand out serials and guarantee that no number is ever issued
twice: each issue inserts a row whose id (a database sequence on PostgreSQL, the rowid
on SQLite) is the serial the number is built from, and the unique index on the number
is the final guard. Their rows are never deleted, so a number is not re-used after its
parcel is gone (GS1 asks for at least a year).
"""

from __future__ import annotations

import peewee as pw

from portal.db import BaseModel, utcnow
from portal.fulfilment.models import FulfillmentOrder
from portal.locations.models import Location
from portal.orders.models import Order
from portal.shipping.status import ShipmentStatus


class TrackingNumber(BaseModel):
    """A tracking number issued by (or, for outside carriers, recorded for) a carrier.

    ``number`` is NULL only inside the issuing transaction, between the insert that
    draws the serial and the update that writes the number built from it.
    """

    carrier = pw.CharField(max_length=32)
    number = pw.CharField(max_length=40, null=True, unique=True)
    created_at = pw.DateTimeField(default=utcnow)


class Sscc(BaseModel):
    """An SSCC-18 issued for one parcel; ``sscc`` NULL only while being issued."""

    sscc = pw.CharField(max_length=18, null=True, unique=True)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "sscc"


class ParcelLocker(BaseModel):
    """A parcel locker a customer can have an order sent to; ``code`` is what the web
    shop sends as the order's locker id. ``location``: a locker bank at one of our
    stores, if it stands at one."""

    code = pw.CharField(max_length=40, unique=True)
    name = pw.CharField(max_length=120)
    street = pw.CharField(max_length=160)
    postcode = pw.CharField(max_length=16)
    city = pw.CharField(max_length=80)
    country = pw.CharField(max_length=2, default="DE")
    location = pw.ForeignKeyField(Location, null=True, on_delete="SET NULL")
    active = pw.BooleanField(default=True)

    class Meta:
        table_name = "parcel_locker"


class Shipment(BaseModel):
    """What one fulfilment hands to a carrier: one tracking number, one or more
    parcels. ``destination`` is home, a locker (``locker_code``) or the pickup store
    (``to_location``); ``locker_code_secret`` is the code the customer opens the locker
    with."""

    order = pw.ForeignKeyField(Order, backref="shipments", on_delete="CASCADE")
    fulfillment = pw.ForeignKeyField(FulfillmentOrder, backref="shipments", null=True,
                                     on_delete="CASCADE")
    carrier = pw.CharField(max_length=32)
    service = pw.CharField(max_length=16)
    tracking_number = pw.CharField(max_length=40, unique=True)
    status = pw.CharField(max_length=16, default=ShipmentStatus.CREATED.value)
    destination = pw.CharField(max_length=8)
    to_location = pw.ForeignKeyField(Location, null=True, on_delete="RESTRICT")
    locker_code = pw.CharField(max_length=40, default="")
    locker_pin = pw.CharField(max_length=8, default="")
    price = pw.DecimalField(max_digits=8, decimal_places=2, null=True)
    currency = pw.CharField(max_length=3, default="EUR")
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)
    delivered_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "shipment"


class Parcel(BaseModel):
    """One box of a shipment: its weight, outer size and SSCC."""

    shipment = pw.ForeignKeyField(Shipment, backref="parcels", on_delete="CASCADE")
    parcel_no = pw.IntegerField()
    weight_kg = pw.DecimalField(max_digits=8, decimal_places=3)
    length_cm = pw.IntegerField(default=0)
    width_cm = pw.IntegerField(default=0)
    height_cm = pw.IntegerField(default=0)
    sscc = pw.CharField(max_length=18, unique=True)

    class Meta:
        table_name = "parcel"
        indexes = ((("shipment", "parcel_no"), True),)


class ShipmentEvent(BaseModel):
    """A tracking event: what happened to a shipment, where and when. ``source`` +
    ``event_id`` (a carrier's or WMS's own id) are unique, so a report sent twice is
    recorded once."""

    shipment = pw.ForeignKeyField(Shipment, backref="events", on_delete="CASCADE")
    status = pw.CharField(max_length=16)
    at = pw.DateTimeField(default=utcnow)
    place = pw.CharField(max_length=120, default="")
    note = pw.CharField(max_length=200, default="")
    actor = pw.CharField(max_length=160, default="")
    source = pw.CharField(max_length=40, default="portal")
    event_id = pw.CharField(max_length=100, null=True)

    class Meta:
        table_name = "shipment_event"
        indexes = ((("source", "event_id"), True),)


MODELS = [TrackingNumber, Sscc, ParcelLocker, Shipment, Parcel, ShipmentEvent]
