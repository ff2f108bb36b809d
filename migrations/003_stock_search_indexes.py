"""Indexes for the stock search at a million rows.

The (product, location) and (location, product) composites cover the single-column
foreign-key indexes, so those go (cheaper writes); an index on the available
quantity serves "sort by available" and the "out of stock" filter.
"""

import peewee as pw
from peewee_migrate import Migrator

AVAILABLE_INDEX = ("CREATE INDEX stock_level_available ON stock_level "
                   "((on_hand - reserved - safety_stock), id)")


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Swap the redundant indexes for the available-quantity index."""
    migrator.sql("DROP INDEX IF EXISTS stocklevel_product_id")
    migrator.sql("DROP INDEX IF EXISTS stocklevel_location_id")
    migrator.sql(AVAILABLE_INDEX)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Restore the indexes of 001."""
    migrator.sql("DROP INDEX IF EXISTS stock_level_available")
    migrator.sql("CREATE INDEX stocklevel_product_id ON stock_level (product_id)")
    migrator.sql("CREATE INDEX stocklevel_location_id ON stock_level (location_id)")
