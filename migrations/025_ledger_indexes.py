"""Cheaper ledger writes (issue #9's feed import writes a ledger row per changed level).

The (product_id, at) and (location_id, at) composites of 001 serve every query that
filters the ledger by product or location (their leading column) and the foreign keys'
checks, so the single-column indexes on product_id and location_id only cost writes:
each ledger row updated seven secondary indexes, now five.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the single-column foreign-key indexes of stock_movement."""
    migrator.sql("DROP INDEX IF EXISTS stockmovement_product_id")
    migrator.sql("DROP INDEX IF EXISTS stockmovement_location_id")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Restore the indexes of 001."""
    migrator.sql("CREATE INDEX stockmovement_product_id ON stock_movement (product_id)")
    migrator.sql("CREATE INDEX stockmovement_location_id ON stock_movement (location_id)")
