"""PostgreSQL: cheaper writes of stock levels and ledger rows (issue #9's feed import
writes one of each per changed level); reads as before.

- One unique index (product, location) INCLUDE (on_hand, reserved, safety_stock)
  replaces 001's unique index and 004's covering index: availability still reads only
  the index, and each level written updates one index fewer. (INCLUDE columns are not
  key columns, so changing a quantity stays a "no key" update.)
- The ledger's two foreign keys (product, location) become one to the stock level
  (product, location): every movement is of a level, which the same transaction has just
  written, so the check finds a row it already holds instead of locking a product row
  per movement. Levels are never deleted, and a product or location with movements
  still cannot be deleted (its levels are restricted by their movements).

SQLite keeps 001's indexes and keys: it has no INCLUDE, cannot alter keys in place, and
its writes do not need this.
"""

import peewee as pw
from peewee_migrate import Migrator

FORWARD = (
    "CREATE UNIQUE INDEX stock_level_product_location ON stock_level "
    "(product_id, location_id) INCLUDE (on_hand, reserved, safety_stock)",
    "DROP INDEX stocklevel_product_id_location_id",
    "DROP INDEX stock_level_product_covering",
    "ALTER TABLE stock_movement ADD CONSTRAINT stock_movement_level_fkey "
    "FOREIGN KEY (product_id, location_id) REFERENCES stock_level (product_id, location_id) "
    "ON DELETE RESTRICT NOT VALID",
    "ALTER TABLE stock_movement VALIDATE CONSTRAINT stock_movement_level_fkey",
    "ALTER TABLE stock_movement DROP CONSTRAINT stock_movement_product_id_fkey, "
    "DROP CONSTRAINT stock_movement_location_id_fkey",
)
BACKWARD = (
    "ALTER TABLE stock_movement ADD CONSTRAINT stock_movement_product_id_fkey "
    "FOREIGN KEY (product_id) REFERENCES product (id) ON DELETE RESTRICT, "
    "ADD CONSTRAINT stock_movement_location_id_fkey "
    "FOREIGN KEY (location_id) REFERENCES location (id) ON DELETE RESTRICT",
    "ALTER TABLE stock_movement DROP CONSTRAINT stock_movement_level_fkey",
    "CREATE UNIQUE INDEX stocklevel_product_id_location_id ON stock_level "
    "(product_id, location_id)",
    "CREATE INDEX stock_level_product_covering ON stock_level "
    "(product_id, location_id, on_hand, reserved, safety_stock)",
    "DROP INDEX stock_level_product_location",
)


def _postgresql(database: pw.Database) -> bool:
    return isinstance(getattr(database, "obj", database), pw.PostgresqlDatabase)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Swap the indexes and keys (PostgreSQL only)."""
    if _postgresql(database):
        for statement in FORWARD:
            migrator.sql(statement)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Restore 001's and 004's indexes and keys."""
    if _postgresql(database):
        for statement in BACKWARD:
            migrator.sql(statement)
