"""Payments of orders and the provider events that moved them."""

from __future__ import annotations

import peewee as pw

from portal.db import BaseModel, utcnow
from portal.orders.models import Order
from portal.payments.status import PaymentStatus


class Payment(BaseModel):
    """One attempt to pay an order through one provider. ``token`` names it in the
    sandbox's hosted page URL; ``provider_reference`` is the provider's own id."""

    order = pw.ForeignKeyField(Order, backref="payments", on_delete="CASCADE")
    provider = pw.CharField(max_length=16)
    method = pw.CharField(max_length=20, default="")  # card, cash, card_terminal
    amount = pw.DecimalField(max_digits=12, decimal_places=2)
    currency = pw.CharField(max_length=3, default="EUR")
    status = pw.CharField(max_length=20, default=PaymentStatus.PENDING.value, index=True)
    token = pw.CharField(max_length=43, unique=True)
    provider_reference = pw.CharField(max_length=120, default="", index=True)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)


class PaymentEvent(BaseModel):
    """A provider event, stored once per (provider, event id): replays change nothing."""

    provider = pw.CharField(max_length=16)
    event_id = pw.CharField(max_length=120)
    kind = pw.CharField(max_length=40)
    payment = pw.ForeignKeyField(Payment, null=True, on_delete="SET NULL")
    received_at = pw.DateTimeField(default=utcnow)
    payload = pw.TextField(default="")

    class Meta:
        indexes = ((("provider", "event_id"), True),)


MODELS = [Payment, PaymentEvent]
