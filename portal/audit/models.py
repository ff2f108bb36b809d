"""Who changed what: an append-only trail of administrative and stock actions."""

from __future__ import annotations

import peewee as pw

from portal.db import BaseModel, utcnow


class AuditEvent(BaseModel):
    at = pw.DateTimeField(default=utcnow, index=True)
    user_id = pw.IntegerField(null=True, index=True)
    actor = pw.CharField(max_length=160, default="")  # e-mail or API key name, kept verbatim
    action = pw.CharField(max_length=60, index=True)
    object_type = pw.CharField(max_length=40, default="")
    object_id = pw.CharField(max_length=60, default="")
    detail = pw.TextField(default="")


MODELS = [AuditEvent]
