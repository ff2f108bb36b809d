"""Orders, their lines, the stock reserved for them and their event timeline."""

from __future__ import annotations

import peewee as pw

from portal.db import BaseModel, utcnow
from portal.inventory.models import IncomingStock, Product
from portal.locations.models import Location
from portal.orders.status import OrderStatus, ReservationStatus


class Order(BaseModel):
    """An order from any channel. ``number`` (OMS-2026-000123) is what people quote;
    ``tracking_token`` is the unguessable part of the public tracking URL."""

    number = pw.CharField(max_length=20, unique=True, null=True)  # set right after insert
    tracking_token = pw.CharField(max_length=43, unique=True)
    channel = pw.CharField(max_length=16, index=True)
    status = pw.CharField(max_length=20, default=OrderStatus.PENDING_PAYMENT.value, index=True)
    customer_name = pw.CharField(max_length=120)
    customer_email = pw.CharField(max_length=160, default="", index=True)
    customer_phone = pw.CharField(max_length=40, default="")
    customer_group = pw.CharField(max_length=30, default="")  # the shop's segment, e.g. b2b
    # The customer's language ("de", "en"), which their e-mails speak; "" on orders from
    # before it was recorded: those speak the portal's default (i18n.customer_language).
    language = pw.CharField(max_length=8, default="")
    ship_name = pw.CharField(max_length=120, default="")
    ship_street = pw.CharField(max_length=160, default="")
    ship_postcode = pw.CharField(max_length=16, default="")
    ship_city = pw.CharField(max_length=80, default="")
    ship_country = pw.CharField(max_length=2, default="DE")
    delivery_method = pw.CharField(max_length=16)
    pickup_location = pw.ForeignKeyField(Location, null=True, on_delete="RESTRICT",
                                         backref="pickup_orders")
    locker_id = pw.CharField(max_length=40, default="")
    store = pw.ForeignKeyField(Location, null=True, on_delete="RESTRICT",
                               backref="store_orders")  # where a store order was taken
    currency = pw.CharField(max_length=3, default="EUR")
    shipping_fee = pw.DecimalField(max_digits=10, decimal_places=2, default=0)
    total = pw.DecimalField(max_digits=12, decimal_places=2)  # the lines + shipping_fee
    created_by_id = pw.IntegerField(null=True)
    created_at = pw.DateTimeField(default=utcnow, index=True)
    updated_at = pw.DateTimeField(default=utcnow)
    reserved_until = pw.DateTimeField(null=True, index=True)  # unpaid orders release then
    attention = pw.CharField(max_length=200, default="")  # why no rule could source it
    # Click & Collect: a hash of the code the customer shows at pickup (fulfilment/pickup.py),
    # when the order became ready, and the wrong codes tried since.
    pickup_code_hash = pw.CharField(max_length=64, default="")
    pickup_ready_at = pw.DateTimeField(null=True, index=True)
    pickup_attempts = pw.IntegerField(default=0)
    # The marketplace's own order id (portal/marketplace); unique per channel, so a
    # pulled order is created once even when two pulls run at the same time.
    external_ref = pw.CharField(max_length=64, null=True)

    class Meta:
        table_name = "sales_order"  # "order" is a reserved word in SQL
        indexes = ((("channel", "external_ref"), True),)


class OrderLine(BaseModel):
    order = pw.ForeignKeyField(Order, backref="lines", on_delete="CASCADE")
    line_no = pw.IntegerField()
    product = pw.ForeignKeyField(Product, on_delete="RESTRICT")
    quantity = pw.IntegerField(constraints=[pw.Check("quantity > 0")])
    unit_price = pw.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        indexes = ((("order", "line_no"), True),)


class Reservation(BaseModel):
    """Units of one order line held at one location."""

    line = pw.ForeignKeyField(OrderLine, backref="reservations", on_delete="CASCADE")
    location = pw.ForeignKeyField(Location, on_delete="RESTRICT")
    quantity = pw.IntegerField(constraints=[pw.Check("quantity > 0")])
    status = pw.CharField(max_length=12, default=ReservationStatus.ACTIVE.value, index=True)
    created_at = pw.DateTimeField(default=utcnow)
    # A promised reservation waits for this delivery; on receipt it becomes active.
    incoming = pw.ForeignKeyField(IncomingStock, null=True, on_delete="SET NULL", index=True)


class OrderEvent(BaseModel):
    """The timeline: every status change and notable step, with time and actor."""

    order = pw.ForeignKeyField(Order, backref="events", on_delete="CASCADE")
    at = pw.DateTimeField(default=utcnow)
    kind = pw.CharField(max_length=30)
    from_status = pw.CharField(max_length=20, default="")
    to_status = pw.CharField(max_length=20, default="")
    actor = pw.CharField(max_length=160, default="")
    note = pw.TextField(default="")


MODELS = [Order, OrderLine, Reservation, OrderEvent]
