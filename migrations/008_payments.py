"""Payments and the provider events that moved them."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create payment and payment_event."""

    @migrator.create_model
    class Payment(pw.Model):
        id = pw.AutoField()
        order = pw.ForeignKeyField(column_name="order_id", field="id",
                                   model=migrator.orm["sales_order"], on_delete="CASCADE")
        provider = pw.CharField(max_length=16)
        method = pw.CharField(default="", max_length=20)
        amount = pw.DecimalField(auto_round=False, decimal_places=2, max_digits=12)
        currency = pw.CharField(default="EUR", max_length=3)
        status = pw.CharField(default="pending", index=True, max_length=20)
        token = pw.CharField(max_length=43, unique=True)
        provider_reference = pw.CharField(default="", index=True, max_length=120)
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "payment"

    @migrator.create_model
    class PaymentEvent(pw.Model):
        id = pw.AutoField()
        provider = pw.CharField(max_length=16)
        event_id = pw.CharField(max_length=120)
        kind = pw.CharField(max_length=40)
        payment = pw.ForeignKeyField(column_name="payment_id", field="id",
                                     model=migrator.orm["payment"], null=True,
                                     on_delete="SET NULL")
        received_at = pw.DateTimeField()
        payload = pw.TextField(default="")

        class Meta:
            table_name = "payment_event"
            indexes = [(("provider", "event_id"), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop them, dependants first."""
    migrator.remove_model("payment_event")
    migrator.remove_model("payment")
