"""Shipping numbers (issue #7): registries of issued tracking numbers and SSCCs. Each
row's id is the serial its number is built from; the unique index keeps every number
once. Shipments and parcels come with the order integration."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create tracking_number and sscc."""

    @migrator.create_model
    class TrackingNumber(pw.Model):
        id = pw.AutoField()
        carrier = pw.CharField(max_length=32)
        # NULL only inside the issuing transaction (insert draws the serial, update
        # writes the number); NULLs do not collide in a unique index.
        number = pw.CharField(max_length=40, null=True, unique=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "tracking_number"

    @migrator.create_model
    class Sscc(pw.Model):
        id = pw.AutoField()
        sscc = pw.CharField(max_length=18, null=True, unique=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "sscc"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop them."""
    migrator.remove_model("sscc")
    migrator.remove_model("tracking_number")
