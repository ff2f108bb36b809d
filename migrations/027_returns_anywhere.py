"""Returns anywhere: a return records the location it was announced for apart from the
one that received it (``return_order.location`` moves to the receiving store)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add return_order.announced_location_id, filled with today's location."""
    migrator.add_fields("return_order", announced_location=pw.ForeignKeyField(
        column_name="announced_location_id", field="id", model=migrator.orm["location"],
        null=True, on_delete="RESTRICT"))
    migrator.sql("UPDATE return_order SET announced_location_id = location_id")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("return_order", "announced_location")
