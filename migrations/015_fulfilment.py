"""Fulfilment orders and their events (issue #7): the part of an order one location
ships, and every reported step, idempotent per (source, event id)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create fulfillment_order and fulfillment_event."""

    @migrator.create_model
    class FulfillmentOrder(pw.Model):
        id = pw.AutoField()
        order = pw.ForeignKeyField(column_name="order_id", field="id",
                                   model=migrator.orm["sales_order"], on_delete="CASCADE")
        location = pw.ForeignKeyField(column_name="location_id", field="id",
                                      model=migrator.orm["location"], on_delete="RESTRICT")
        number = pw.CharField(max_length=32, unique=True)
        status = pw.CharField(max_length=20, default="assigned")
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        rejected_reason = pw.CharField(max_length=160, default="")

        class Meta:
            table_name = "fulfillment_order"
            indexes = [(("location", "status", "id"), False)]

    @migrator.create_model
    class FulfillmentEvent(pw.Model):
        id = pw.AutoField()
        fulfillment = pw.ForeignKeyField(column_name="fulfillment_id", field="id",
                                         model=migrator.orm["fulfillment_order"],
                                         on_delete="CASCADE")
        type = pw.CharField(max_length=20)
        from_status = pw.CharField(max_length=20)
        to_status = pw.CharField(max_length=20)
        actor = pw.CharField(max_length=160, default="")
        source = pw.CharField(max_length=40, default="portal")
        # NULL for steps without an id (portal clicks): NULLs never collide.
        event_id = pw.CharField(max_length=100, null=True)
        request_hash = pw.CharField(max_length=64, default="")
        payload = pw.TextField(default="{}")
        at = pw.DateTimeField()

        class Meta:
            table_name = "fulfillment_event"
            indexes = [(("source", "event_id"), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop them, dependants first."""
    migrator.remove_model("fulfillment_event")
    migrator.remove_model("fulfillment_order")
