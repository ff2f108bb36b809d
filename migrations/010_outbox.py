"""The customer e-mail outbox (issue #5, notifications)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create outbox_message."""

    @migrator.create_model
    class OutboxMessage(pw.Model):
        id = pw.AutoField()
        order = pw.ForeignKeyField(column_name="order_id", field="id",
                                   model=migrator.orm["sales_order"], null=True,
                                   on_delete="SET NULL")
        kind = pw.CharField(index=True, max_length=40)
        dedupe_key = pw.CharField(max_length=190, unique=True)
        recipient = pw.CharField(max_length=254)
        subject = pw.CharField(max_length=255)
        text_body = pw.TextField()
        html_body = pw.TextField(null=True)
        language = pw.CharField(max_length=8)
        status = pw.CharField(default="pending", max_length=10)
        attempts = pw.IntegerField(default=0)
        next_attempt_at = pw.DateTimeField()
        last_error = pw.TextField(default="")
        created_at = pw.DateTimeField(index=True)
        sent_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "outbox_message"
            indexes = [(("status", "next_attempt_at"), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop it."""
    migrator.remove_model("outbox_message")
