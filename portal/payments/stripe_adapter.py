"""Stripe through its official SDK: Payment Intents, Refunds, signed webhooks.

Enabled when STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are set (STRIPE_PUBLISHABLE_KEY
goes to the web shop with the client secret). Every call carries an idempotency key
derived from our own payment or refund, so Stripe's retries and ours never charge or
refund twice. STRIPE_API_BASE points the SDK elsewhere (tests, stripe-mock).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from decimal import Decimal

import stripe
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.payments.models import Payment, Refund
from portal.payments.providers import (
    PaymentProvider,
    PaymentStart,
    ProviderRefused,
    ProviderUnavailable,
    RefundResult,
)
from portal.payments.signing import TOLERANCE_SECONDS, SignatureError
from portal.payments.status import RefundStatus

log = logging.getLogger(__name__)

# Stripe counts most currencies in cents, these in whole units, these in thousandths.
ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG",
                          "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"})
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})

PAYMENT_EVENTS = {"payment_intent.succeeded": "payment.succeeded",
                  "payment_intent.payment_failed": "payment.failed",
                  "payment_intent.requires_action": "payment.requires_action"}
REFUND_EVENTS = frozenset({"refund.created", "refund.updated", "refund.failed",
                           "charge.refund.updated"})
REFUND_STATES = {"succeeded": RefundStatus.SUCCEEDED, "pending": RefundStatus.PENDING,
                 "requires_action": RefundStatus.PENDING, "failed": RefundStatus.FAILED,
                 "canceled": RefundStatus.FAILED}


def minor_units(amount: Decimal, currency: str) -> int:
    """``amount`` in the currency's smallest unit, as Stripe expects it (12.34 EUR → 1234)."""
    code = currency.upper()
    exponent = 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2
    return int((Decimal(amount) * 10 ** exponent).to_integral_value())


def _config(name: str) -> str:
    return current_app.config.get(name) or ""


def _client() -> stripe.StripeClient:
    if not (_config("STRIPE_SECRET_KEY") and _config("STRIPE_WEBHOOK_SECRET")):
        raise ProviderUnavailable(str(_l("Stripe is not set up on this installation "
                                         "(STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET).")))
    base = _config("STRIPE_API_BASE")
    return stripe.StripeClient(_config("STRIPE_SECRET_KEY"),
                               base_addresses={"api": base} if base else None,
                               max_network_retries=2)


def _provider_error(error: stripe.StripeError, doing: str) -> Exception:
    """A Stripe SDK error as the DomainError a user or the API can read."""
    log.warning("Stripe %s failed: %r", doing, error)
    if isinstance(error, stripe.CardError | stripe.InvalidRequestError |
                  stripe.IdempotencyError):
        return ProviderRefused(str(_l("Stripe refused this: %(reason)s",
                                      reason=error.user_message or error.code or "?")))
    if isinstance(error, stripe.AuthenticationError | stripe.PermissionError):
        return ProviderUnavailable(str(_l("Stripe did not accept the portal's API key. "
                                          "Nothing was changed; tell an administrator.")))
    return ProviderUnavailable(str(_l("Stripe could not be reached or failed on its side. "
                                      "Nothing was changed; try again in a moment.")))


class StripeProvider(PaymentProvider):
    """Payment Intents for the web shop's Stripe Elements; refunds via the Refunds API."""

    name = "stripe"
    label = _l("Stripe")

    def is_enabled(self) -> bool:
        return bool(_config("STRIPE_SECRET_KEY") and _config("STRIPE_WEBHOOK_SECRET"))

    def start(self, payment: Payment) -> PaymentStart:
        number = payment.order.number
        try:
            intent = _client().v1.payment_intents.create(
                params={"amount": minor_units(payment.amount, payment.currency),
                        "currency": payment.currency.lower(),
                        "automatic_payment_methods": {"enabled": True},
                        "description": f"Order {number}",
                        "metadata": {"order_number": number, "oms_payment": payment.token}},
                options={"idempotency_key": f"oms-payment-{payment.token}"})
        except stripe.StripeError as error:
            raise _provider_error(error, "payment start") from error
        action = {"type": "stripe_payment_intent", "client_secret": intent.client_secret,
                  "publishable_key": _config("STRIPE_PUBLISHABLE_KEY") or None}
        return PaymentStart(action, intent.id)

    def void(self, payment: Payment) -> None:
        if not payment.provider_reference:
            return
        client = _client()
        try:
            client.v1.payment_intents.cancel(
                payment.provider_reference,
                options={"idempotency_key": f"oms-void-{payment.token}"})
            return
        except stripe.InvalidRequestError as error:
            refused = error  # e.g. already cancelled, or paid meanwhile: ask which
        except stripe.StripeError as error:
            raise _provider_error(error, "payment void") from error
        try:
            status = client.v1.payment_intents.retrieve(payment.provider_reference).status
        except stripe.StripeError as error:
            raise _provider_error(error, "payment lookup") from error
        if status != "canceled":
            raise ProviderRefused(str(_l("The customer has just paid this order at Stripe. "
                                         "Reload the page; cancelling it then refunds the "
                                         "payment."))) from refused

    def refund(self, payment: Payment, refund: Refund) -> RefundResult:
        try:
            result = _client().v1.refunds.create(
                params={"payment_intent": payment.provider_reference,
                        "amount": minor_units(refund.amount, refund.currency),
                        "reason": "requested_by_customer",
                        "metadata": {"order_number": payment.order.number,
                                     "oms_payment": payment.token,
                                     "oms_refund": refund.idempotency_key}},
                options={"idempotency_key": f"oms-refund-{refund.idempotency_key}"})
        except stripe.StripeError as error:
            raise _provider_error(error, "refund") from error
        status = REFUND_STATES.get(result.status or "", RefundStatus.PENDING)
        if status == RefundStatus.FAILED:
            raise ProviderRefused(str(_l("Stripe refused this: %(reason)s",
                                         reason=getattr(result, "failure_reason", None)
                                         or result.status)))
        return RefundResult(result.id, status)


@dataclass(frozen=True)
class ProviderEvent:
    """A verified webhook event in the terms of ``apply_provider_event``."""

    event_id: str
    kind: str
    payment_token: str
    reference: str
    payload: dict


def parse_webhook(body: bytes, signature_header: str) -> ProviderEvent:
    """Verify a Stripe webhook with the SDK (signature and 5-minute tolerance), then map
    it: payment_intent.* to payment.*, refund events to refund.<status>. Raises
    SignatureError for a bad signature and ValueError for a body that is no event."""
    try:
        stripe.Webhook.construct_event(body, signature_header, _config("STRIPE_WEBHOOK_SECRET"),
                                       tolerance=TOLERANCE_SECONDS)
    except stripe.SignatureVerificationError as error:
        raise SignatureError(error.user_message or "The signature does not match.") from error
    except (ValueError, TypeError, AttributeError) as error:  # signed, but no event object
        raise ValueError("not a Stripe event") from error
    event = json.loads(body)
    try:
        event_id, kind = str(event["id"]), str(event["type"])
        obj = event["data"]["object"]
        metadata = obj.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise TypeError("metadata is not an object")
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError("not a Stripe event") from error
    if kind in REFUND_EVENTS:
        status = REFUND_STATES.get(str(obj.get("status")), RefundStatus.PENDING)
        intent = str(obj.get("payment_intent") or "")
        return ProviderEvent(event_id, f"refund.{status}",
                             str(metadata.get("oms_payment") or _token_of(intent)),
                             str(obj.get("id") or ""), event)
    intent = str(obj.get("id") or "") if kind.startswith("payment_intent.") else ""
    return ProviderEvent(event_id, PAYMENT_EVENTS.get(kind, kind),
                         str(metadata.get("oms_payment") or _token_of(intent)), intent, event)


def _token_of(intent_id: str) -> str:
    """Our payment token for a PaymentIntent id (events of intents made elsewhere lack
    our metadata)."""
    if not intent_id:
        return ""
    payment = Payment.get_or_none(Payment.provider == "stripe",
                                  Payment.provider_reference == intent_id)
    return payment.token if payment else ""
