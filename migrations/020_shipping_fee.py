"""The shipping fee an order was charged (issue #8: refunded on a full withdrawal)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add sales_order.shipping_fee."""
    migrator.add_fields("sales_order", shipping_fee=pw.DecimalField(max_digits=10,
                                                                     decimal_places=2,
                                                                     default=0))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("sales_order", "shipping_fee")
