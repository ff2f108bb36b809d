"""Idempotency records of the API (one per API key and Idempotency-Key)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create idempotency_record."""

    @migrator.create_model
    class IdempotencyRecord(pw.Model):
        id = pw.AutoField()
        api_key_id = pw.IntegerField()
        key = pw.CharField(max_length=255)
        request_hash = pw.CharField(max_length=64)
        status_code = pw.IntegerField(null=True)
        response_body = pw.TextField(default="")
        created_at = pw.DateTimeField(index=True)

        class Meta:
            table_name = "idempotency_record"
            indexes = [(("api_key_id", "key"), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop it."""
    migrator.remove_model("idempotency_record")
