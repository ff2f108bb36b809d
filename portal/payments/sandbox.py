"""The sandbox payment provider, built into the portal for demos and tests.

It plays the provider's side: a hosted payment page where the customer enters a test
card, an optional 3-D Secure step, and a signed webhook to the portal's
``/api/v1/payments/webhook/sandbox`` — the same path a real provider takes.

Test cards: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined,
4000 0027 6000 3184 asks for 3-D Secure first.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import urllib.request

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from portal.orders.models import Order
from portal.payments.models import Payment
from portal.payments.signing import sign
from portal.payments.status import FINAL
from portal.payments.webhooks import SIGNATURE_HEADER

log = logging.getLogger(__name__)
bp = Blueprint("sandbox_pay", __name__, url_prefix="/sandbox/pay")

CARDS = {"4242424242424242": "payment.succeeded", "4000000000000002": "payment.failed",
         "4000002760003184": "3ds"}


def _payment(token: str) -> Payment:
    payment = Payment.get_or_none(Payment.token == token, Payment.provider == "sandbox")
    if payment is None:
        abort(404)
    return payment


def deliver(url: str, body: bytes, signature: str, attempts: int = 4) -> None:
    """POST the event to the portal with retries and backoff (runs in a thread)."""
    for attempt in range(attempts):
        request_ = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310
            SIGNATURE_HEADER: signature, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request_, timeout=10):  # noqa: S310 - our own URL
                return
        except OSError as error:
            log.warning("sandbox webhook attempt %s failed: %s", attempt + 1, error)
            time.sleep(0.5 * 2 ** attempt)


def send_event(payment: Payment, kind: str) -> dict:
    """Sign an event about ``payment`` and hand it to the configured delivery."""
    event = {"id": f"evt_{secrets.token_hex(12)}", "type": kind, "created": int(time.time()),
             "data": {"payment": payment.token, "reference": f"sbx_{secrets.token_hex(8)}",
                      "amount": str(payment.amount), "currency": payment.currency}}
    body = json.dumps(event).encode()
    signature = sign(body, current_app.config["SANDBOX_WEBHOOK_SECRET"])
    url = url_for("payment_webhooks.sandbox", _external=True)
    delivery = current_app.config.get("SANDBOX_WEBHOOK_DELIVERY")
    if callable(delivery):  # tests deliver synchronously through the test client
        delivery(url, body, signature)
    else:
        threading.Thread(target=deliver, args=(url, body, signature), daemon=True).start()
    return event


@bp.route("/<token>", methods=["GET", "POST"])
def page(token: str):
    """The hosted payment page (public: the customer arrives from the web shop)."""
    payment = _payment(token)
    order = Order.get_by_id(payment.order_id)
    error = None
    if request.method == "POST" and payment.status not in FINAL:
        outcome = CARDS.get("".join(ch for ch in request.form.get("card", "") if ch.isdigit()))
        if outcome == "3ds":
            send_event(payment, "payment.requires_action")
            return redirect(url_for(".secure", token=token))
        if outcome:
            send_event(payment, outcome)
            return redirect(url_for(".done", token=token, result=outcome.split(".")[1]))
        error = _("Use one of the test cards shown below.")
    return render_template("payments/sandbox_page.html", payment=payment, order=order,
                           error=error), 400 if error else 200


@bp.route("/<token>/3ds", methods=["GET", "POST"])
def secure(token: str):
    """The 3-D Secure step: the customer approves or fails it."""
    payment = _payment(token)
    if request.method == "POST" and payment.status not in FINAL:
        approved = request.form.get("decision") == "approve"
        send_event(payment, "payment.succeeded" if approved else "payment.failed")
        return redirect(url_for(".done", token=token,
                                result="succeeded" if approved else "failed"))
    return render_template("payments/sandbox_3ds.html", payment=payment)


@bp.get("/<token>/done")
def done(token: str):
    payment = _payment(token)
    order = Order.get_by_id(payment.order_id)
    return render_template("payments/sandbox_done.html", payment=payment, order=order,
                           succeeded=request.args.get("result") == "succeeded")
