"""POST /api/v1/payments/webhook/<provider>: provider events, verified by signature
(not by API key), each processed once."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, jsonify, request

from portal.errors import DomainError
from portal.forms import csrf
from portal.payments.services import apply_provider_event
from portal.payments.signing import SignatureError, verify
from portal.payments.stripe_adapter import StripeProvider, parse_webhook

bp = Blueprint("payment_webhooks", __name__, url_prefix="/api/v1/payments/webhook")
csrf.exempt(bp)

SIGNATURE_HEADER = "Sandbox-Signature"


class WebhookRejected(DomainError):
    code = "invalid_webhook"
    status = 400


class WebhookNotEnabled(DomainError):
    code = "not_found"
    status = 404


def sandbox_secret() -> str:
    return current_app.config["SANDBOX_WEBHOOK_SECRET"]


@bp.post("/sandbox")
def sandbox():
    """Events of the built-in sandbox provider (see payments/sandbox.py)."""
    body = request.get_data()
    try:
        verify(request.headers.get(SIGNATURE_HEADER, ""), body, sandbox_secret())
    except SignatureError as error:
        raise WebhookRejected(str(error)) from error
    try:
        event = json.loads(body)
        event_id, kind = str(event["id"]), str(event["type"])
        data = event.get("data") or {}
        token, reference = str(data["payment"]), str(data.get("reference", ""))
    except (ValueError, KeyError, TypeError, RecursionError) as error:  # nested too deep
        raise WebhookRejected("The event is not a sandbox payment event.") from error
    fresh = apply_provider_event("sandbox", event_id, kind, token, event, reference)
    return jsonify({"received": True, "duplicate": not fresh})


@bp.post("/stripe")
def stripe_events():
    """Stripe's events, verified with the SDK (``Stripe-Signature``, 5 min tolerance)."""
    if not StripeProvider().is_enabled():
        raise WebhookNotEnabled("Stripe is not enabled on this installation.")
    body = request.get_data()
    try:
        event = parse_webhook(body, request.headers.get("Stripe-Signature", ""))
    except SignatureError as error:
        raise WebhookRejected(str(error)) from error
    except (ValueError, KeyError, TypeError, RecursionError) as error:  # nested too deep
        raise WebhookRejected("The body is not a Stripe event.") from error
    fresh = apply_provider_event("stripe", event.event_id, event.kind, event.payment_token,
                                 event.payload, event.reference)
    return jsonify({"received": True, "duplicate": not fresh})
