"""Fulfilment orders: the part of an order one location ships or hands over, and the
events that moved it. Which units a fulfilment holds are the order's reservations at
its location (active or promised while open); they are not copied here."""

from __future__ import annotations

import json

import peewee as pw

from portal.db import BaseModel, utcnow
from portal.fulfilment.status import FulfillmentStatus
from portal.locations.models import Location
from portal.orders.models import Order


class FulfillmentOrder(BaseModel):
    """``number`` is the order's number with a running suffix: OMS-2026-000123-1."""

    order = pw.ForeignKeyField(Order, backref="fulfillments", on_delete="CASCADE")
    location = pw.ForeignKeyField(Location, on_delete="RESTRICT")
    number = pw.CharField(max_length=32, unique=True)
    status = pw.CharField(max_length=20, default=FulfillmentStatus.ASSIGNED.value)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)
    rejected_reason = pw.CharField(max_length=160, default="")

    class Meta:
        table_name = "fulfillment_order"
        # The work queue: one location's fulfilments in one state, oldest first.
        indexes = ((("location", "status", "id"), False),)


class FulfillmentEvent(BaseModel):
    """One reported step. ``source`` + ``event_id`` (a WMS's own id, per API key) are
    unique, so a repeated report is recognised; ``request_hash`` tells a true repeat
    from another body under the same id."""

    fulfillment = pw.ForeignKeyField(FulfillmentOrder, backref="events", on_delete="CASCADE")
    type = pw.CharField(max_length=20)
    from_status = pw.CharField(max_length=20)
    to_status = pw.CharField(max_length=20)
    actor = pw.CharField(max_length=160, default="")
    source = pw.CharField(max_length=40, default="portal")
    event_id = pw.CharField(max_length=100, null=True)
    request_hash = pw.CharField(max_length=64, default="")
    payload = pw.TextField(default="{}")  # parcels, tracking number, reason (shape-checked)
    at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "fulfillment_event"
        indexes = ((("source", "event_id"), True),)

    @property
    def data(self) -> dict:
        return json.loads(self.payload or "{}")


MODELS = [FulfillmentOrder, FulfillmentEvent]
