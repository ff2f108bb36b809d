"""Promises on incoming stock: how many units of a delivery are promised to orders, and
which delivery a promised reservation waits for."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add incoming_stock.promised and reservation.incoming_id (indexed, as a foreign key)."""
    migrator.add_fields("incoming_stock", promised=pw.IntegerField(default=0))
    migrator.add_fields("reservation", incoming=pw.ForeignKeyField(
        column_name="incoming_id", field="id", model=migrator.orm["incoming_stock"],
        null=True, on_delete="SET NULL"))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("reservation", "incoming")
    migrator.remove_fields("incoming_stock", "promised")
