"""Sourcing counts today's fulfilments per location (daily capacity) on every decision:
index reservations by location and time so that count reads only today's rows."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create reservation (location_id, created_at)."""
    migrator.sql("CREATE INDEX reservation_location_created "
                 "ON reservation (location_id, created_at)")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql("DROP INDEX reservation_location_created")
