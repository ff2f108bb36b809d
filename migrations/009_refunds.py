"""Refunds of payments, and the customer's next step stored with a payment."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add payment.customer_action; create refund."""
    migrator.add_fields("payment", customer_action=pw.TextField(default=""))

    @migrator.create_model
    class Refund(pw.Model):
        id = pw.AutoField()
        payment = pw.ForeignKeyField(column_name="payment_id", field="id",
                                     model=migrator.orm["payment"], on_delete="CASCADE")
        amount = pw.DecimalField(auto_round=False, decimal_places=2, max_digits=12)
        currency = pw.CharField(default="EUR", max_length=3)
        status = pw.CharField(default="pending", index=True, max_length=12)
        provider_reference = pw.CharField(default="", index=True, max_length=120)
        reason = pw.CharField(default="", max_length=200)
        note = pw.TextField(default="")
        idempotency_key = pw.CharField(max_length=120, unique=True)
        actor = pw.CharField(default="", max_length=160)
        lines = pw.TextField(default="")
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "refund"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop them again."""
    migrator.remove_model("refund")
    migrator.remove_fields("payment", "customer_action")
