"""The web shop's customer segment on orders (e.g. b2b, vip), for sourcing conditions."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add sales_order.customer_group."""
    migrator.add_fields("sales_order", customer_group=pw.CharField(max_length=30, default=""))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("sales_order", "customer_group")
