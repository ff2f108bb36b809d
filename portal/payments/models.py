"""Payments of orders and the provider events that moved them."""

from __future__ import annotations

import peewee as pw

from portal.db import BaseModel, utcnow
from portal.orders.models import Order
from portal.payments.status import PaymentStatus, RefundStatus


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
    # What the customer does next, as the provider said when the payment started (JSON),
    # e.g. Stripe's client secret for the web shop; empty when the adapter computes it.
    customer_action = pw.TextField(default="")
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


class Refund(BaseModel):
    """Money given back on a payment through the provider that took it. Recorded as
    ``pending`` before the provider is asked; ``idempotency_key`` makes a retry return
    this row instead of refunding twice. ``lines`` (JSON) will name returned order lines."""

    payment = pw.ForeignKeyField(Payment, backref="refunds", on_delete="CASCADE")
    amount = pw.DecimalField(max_digits=12, decimal_places=2)
    currency = pw.CharField(max_length=3, default="EUR")
    status = pw.CharField(max_length=12, default=RefundStatus.PENDING.value, index=True)
    provider_reference = pw.CharField(max_length=120, default="", index=True)
    reason = pw.CharField(max_length=200, default="")
    note = pw.TextField(default="")  # the adapter's word for the clerk, or why it failed
    idempotency_key = pw.CharField(max_length=120, unique=True)
    actor = pw.CharField(max_length=160, default="")
    lines = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)


MODELS = [Payment, PaymentEvent, Refund]
