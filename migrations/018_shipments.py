"""Shipments (issue #7): parcel lockers, shipments with parcels and tracking events;
Click & Collect pickup codes on orders; storage bins on stock levels (pick lists)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create parcel_locker, shipment, parcel, shipment_event; add the order's pickup
    columns and stock_level.bin."""

    @migrator.create_model
    class ParcelLocker(pw.Model):
        id = pw.AutoField()
        code = pw.CharField(max_length=40, unique=True)
        name = pw.CharField(max_length=120)
        street = pw.CharField(max_length=160)
        postcode = pw.CharField(max_length=16)
        city = pw.CharField(max_length=80)
        country = pw.CharField(max_length=2, default="DE")
        location = pw.ForeignKeyField(column_name="location_id", field="id", null=True,
                                      model=migrator.orm["location"], on_delete="SET NULL")
        active = pw.BooleanField(default=True)

        class Meta:
            table_name = "parcel_locker"

    @migrator.create_model
    class Shipment(pw.Model):
        id = pw.AutoField()
        order = pw.ForeignKeyField(column_name="order_id", field="id",
                                   model=migrator.orm["sales_order"], on_delete="CASCADE")
        fulfillment = pw.ForeignKeyField(column_name="fulfillment_id", field="id", null=True,
                                         model=migrator.orm["fulfillment_order"],
                                         on_delete="CASCADE")
        carrier = pw.CharField(max_length=32)
        service = pw.CharField(max_length=16)
        tracking_number = pw.CharField(max_length=40, unique=True)
        status = pw.CharField(max_length=16, default="created")
        destination = pw.CharField(max_length=8)
        to_location = pw.ForeignKeyField(column_name="to_location_id", field="id", null=True,
                                         model=migrator.orm["location"], on_delete="RESTRICT")
        locker_code = pw.CharField(max_length=40, default="")
        locker_pin = pw.CharField(max_length=8, default="")
        price = pw.DecimalField(max_digits=8, decimal_places=2, null=True)
        currency = pw.CharField(max_length=3, default="EUR")
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        delivered_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "shipment"

    @migrator.create_model
    class Parcel(pw.Model):
        id = pw.AutoField()
        shipment = pw.ForeignKeyField(column_name="shipment_id", field="id",
                                      model=migrator.orm["shipment"], on_delete="CASCADE")
        parcel_no = pw.IntegerField()
        weight_kg = pw.DecimalField(max_digits=8, decimal_places=3)
        length_cm = pw.IntegerField(default=0)
        width_cm = pw.IntegerField(default=0)
        height_cm = pw.IntegerField(default=0)
        sscc = pw.CharField(max_length=18, unique=True)

        class Meta:
            table_name = "parcel"
            indexes = [(("shipment", "parcel_no"), True)]

    @migrator.create_model
    class ShipmentEvent(pw.Model):
        id = pw.AutoField()
        shipment = pw.ForeignKeyField(column_name="shipment_id", field="id",
                                      model=migrator.orm["shipment"], on_delete="CASCADE")
        status = pw.CharField(max_length=16)
        at = pw.DateTimeField()
        place = pw.CharField(max_length=120, default="")
        note = pw.CharField(max_length=200, default="")
        actor = pw.CharField(max_length=160, default="")
        source = pw.CharField(max_length=40, default="portal")
        event_id = pw.CharField(max_length=100, null=True)

        class Meta:
            table_name = "shipment_event"
            indexes = [(("source", "event_id"), True)]

    migrator.add_fields(
        "sales_order",
        pickup_code_hash=pw.CharField(max_length=64, default=""),
        pickup_ready_at=pw.DateTimeField(null=True, index=True),
        pickup_attempts=pw.IntegerField(default=0))
    migrator.add_fields("stock_level", bin=pw.CharField(max_length=20, default=""))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop them, dependants first."""
    migrator.remove_fields("stock_level", "bin")
    migrator.remove_fields("sales_order", "pickup_code_hash", "pickup_ready_at",
                           "pickup_attempts")
    migrator.remove_model("shipment_event")
    migrator.remove_model("parcel")
    migrator.remove_model("shipment")
    migrator.remove_model("parcel_locker")
