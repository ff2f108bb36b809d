"""The file a feed last applied, kept as the baseline of its next import (issue #9:
``portal/feeds/delta.py`` compares the next file with it instead of with the stock)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add supplier_feed.baseline."""
    migrator.add_fields("supplier_feed", baseline=pw.TextField(default=""))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("supplier_feed", "baseline")
