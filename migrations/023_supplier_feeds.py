"""Supplier stock feeds (issue #9): per feed its source, format, column mapping, target
location (one feed per location) and the result and freshness of its newest run."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create supplier_feed."""

    @migrator.create_model
    class SupplierFeed(pw.Model):
        id = pw.AutoField()
        supplier = pw.ForeignKeyField(column_name="supplier_id", field="id",
                                      model=migrator.orm["supplier"], on_delete="CASCADE")
        location = pw.ForeignKeyField(column_name="location_id", field="id", unique=True,
                                      model=migrator.orm["location"], on_delete="RESTRICT")
        name = pw.CharField(max_length=80)
        source = pw.CharField(max_length=8, default="url")
        url = pw.CharField(max_length=500, default="")
        folder = pw.CharField(max_length=300, default="")
        filename_pattern = pw.CharField(max_length=100, default="*.csv")
        format = pw.CharField(max_length=8, default="csv")
        delimiter = pw.CharField(max_length=2, default=",")
        encoding = pw.CharField(max_length=20, default="utf-8")
        mapping = pw.TextField(default="{}")
        full_snapshot = pw.BooleanField(default=False)
        stale_after_hours = pw.IntegerField(default=24, constraints=[
            pw.Check("stale_after_hours > 0 AND stale_after_hours <= 720")])
        every_minutes = pw.IntegerField(default=60, constraints=[
            pw.Check("every_minutes > 0 AND every_minutes <= 1440")])
        active = pw.BooleanField(default=True)
        last_run_at = pw.DateTimeField(null=True)
        last_success_at = pw.DateTimeField(null=True, index=True)
        last_status = pw.CharField(max_length=10, default="")
        last_rows = pw.IntegerField(default=0)
        last_changed = pw.IntegerField(default=0)
        last_error = pw.TextField(default="")
        last_report = pw.TextField(default="")
        last_checksum = pw.CharField(max_length=64, default="")
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "supplier_feed"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop supplier_feed."""
    migrator.remove_model("supplier_feed")
