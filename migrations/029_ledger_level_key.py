"""PostgreSQL: cheaper ledger writes (issue #9's feed import writes a ledger row per
changed level).

The ledger's two foreign keys (product, location) become one to the stock level
(product, location): every movement is of a level, which the same transaction has just
written, so the check finds a row it already holds instead of locking a product row per
movement (and checking the location again). Levels are never deleted, and a product or
location with movements still cannot be deleted (its levels are restricted by their
movements). Changing a quantity stays a "no key" update, so the check's key-share lock
blocks no order.

(Merging the unique (product, location) index and 004's covering index into one INCLUDE
index was measured too: writes got cheaper, but availability reads 20-35 % slower, so
both stay.) SQLite keeps 001's keys: it cannot alter them in place, and its writes do
not need this.
"""

import peewee as pw
from peewee_migrate import Migrator

FORWARD = (
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
)


def _postgresql(database: pw.Database) -> bool:
    return isinstance(getattr(database, "obj", database), pw.PostgresqlDatabase)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Key the ledger to its stock level (PostgreSQL only)."""
    if _postgresql(database):
        for statement in FORWARD:
            migrator.sql(statement)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Restore 001's keys to product and location."""
    if _postgresql(database):
        for statement in BACKWARD:
            migrator.sql(statement)
