"""Orders record the customer's language, which their e-mails speak. Orders placed
before keep "" and are written to in the portal's default language."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add sales_order.language ("" = the portal's default)."""
    migrator.add_fields("sales_order", language=pw.CharField(max_length=8, default=""))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("sales_order", "language")
