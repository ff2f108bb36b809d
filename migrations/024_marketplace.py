"""The marketplace connector (issue #9): its bookmarks, and the marketplace's own order id
on orders (unique per channel, so a pulled order is created once)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create marketplace_sync; add sales_order.external_ref with a unique index."""

    @migrator.create_model
    class MarketplaceSync(pw.Model):
        id = pw.AutoField()
        pushed_movement_id = pw.BigIntegerField(default=0)
        pushed_at = pw.DateTimeField(null=True)
        pulled_since = pw.DateTimeField(null=True)
        pulled_at = pw.DateTimeField(null=True)
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "marketplace_sync"

    migrator.add_fields("sales_order", external_ref=pw.CharField(max_length=64, null=True))
    migrator.sql("CREATE UNIQUE INDEX sales_order_channel_external_ref "
                 "ON sales_order (channel, external_ref)")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql("DROP INDEX IF EXISTS sales_order_channel_external_ref")
    migrator.remove_fields("sales_order", "external_ref")
    migrator.remove_model("marketplace_sync")
