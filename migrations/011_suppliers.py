"""Suppliers (issue #6): contact, lead time, drop-ship, their warehouse location, and the
countries each one serves."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create supplier and supplier_country."""

    @migrator.create_model
    class Supplier(pw.Model):
        id = pw.AutoField()
        code = pw.CharField(max_length=16, unique=True)
        name = pw.CharField(max_length=120)
        contact_name = pw.CharField(default="", max_length=120)
        contact_email = pw.CharField(default="", max_length=160)
        contact_phone = pw.CharField(default="", max_length=40)
        lead_time_days = pw.IntegerField(default=0, constraints=[
            pw.Check("lead_time_days >= 0 AND lead_time_days <= 365")])
        dropship = pw.BooleanField(default=False)
        active = pw.BooleanField(default=True)
        notes = pw.TextField(default="")
        # unique: a warehouse belongs to one supplier; NULLs (none yet) do not collide.
        location = pw.ForeignKeyField(column_name="location_id", field="id",
                                      model=migrator.orm["location"], null=True, unique=True,
                                      on_delete="RESTRICT")
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "supplier"

    @migrator.create_model
    class SupplierCountry(pw.Model):
        id = pw.AutoField()
        supplier = pw.ForeignKeyField(column_name="supplier_id", field="id",
                                      model=migrator.orm["supplier"], on_delete="CASCADE")
        country = pw.CharField(max_length=2)

        class Meta:
            table_name = "supplier_country"
            # "suppliers serving DE" reads the leading column; the pair is unique.
            indexes = [(("country", "supplier"), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop them, dependants first."""
    migrator.remove_model("supplier_country")
    migrator.remove_model("supplier")
