"""The outbox: every customer e-mail is a row written in the same transaction as the
order change that caused it, and sent later by ``deliver_outbox``."""

from __future__ import annotations

import peewee as pw

from portal.db import BaseModel, utcnow
from portal.notifications.status import MessageStatus
from portal.orders.models import Order


class OutboxMessage(BaseModel):
    """One e-mail to send, rendered when it was queued.

    ``dedupe_key`` (e.g. ``order:42:order_confirmed``) is unique, so the same message
    for the same order event is queued once however often the event is replayed.
    ``next_attempt_at`` is when a deliverer may take it; while one sends it, it lies a
    lease ahead, so a crashed deliverer's message becomes due again by itself.
    """

    order = pw.ForeignKeyField(Order, null=True, on_delete="SET NULL", backref="messages")
    kind = pw.CharField(max_length=40, index=True)
    dedupe_key = pw.CharField(max_length=190, unique=True)
    recipient = pw.CharField(max_length=254)
    subject = pw.CharField(max_length=255)
    text_body = pw.TextField()
    html_body = pw.TextField(null=True)
    language = pw.CharField(max_length=8)
    status = pw.CharField(max_length=10, default=MessageStatus.PENDING.value)
    attempts = pw.IntegerField(default=0)
    next_attempt_at = pw.DateTimeField(default=utcnow)
    last_error = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow, index=True)
    sent_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "next_attempt_at"), False),)  # the deliverer's "what is due"


MODELS = [OutboxMessage]
