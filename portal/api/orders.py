"""The web shop's order API: POST /orders (idempotent), GET /orders/{number}, cancel.

``payment.next_action`` sends the customer to the provider (the built-in sandbox's
hosted page); the order becomes ``confirmed`` when the provider's signed webhook
reports the payment. Stripe is not wired yet and is refused with 422.
"""

from __future__ import annotations

from collections import defaultdict

from flask import g, jsonify, request, url_for

from portal.api.auth import require_scope
from portal.api.idempotency import idempotent
from portal.api.views import bp
from portal.auth.roles import ApiScope
from portal.errors import DomainError, NotFound
from portal.orders.models import Order, OrderLine, Reservation
from portal.orders.services import NewOrder, cancel_order, place_order
from portal.orders.status import ReservationStatus
from portal.payments.models import Payment
from portal.payments.services import ensure_cancellable, start_payment
from portal.payments.status import FINAL

API_CHANNELS = ("web", "marketplace")
PAYMENT_PROVIDERS = ("sandbox", "stripe", "in_store")


class BadOrderBody(DomainError):
    code = "invalid"
    status = 422


def _object(body, name: str, errors: dict) -> dict:
    value = body.get(name, {})
    if not isinstance(value, dict):
        errors[name] = "Must be an object."
        return {}
    return value


def _text(source: dict, name: str, errors: dict, field: str, limit: int = 160) -> str:
    value = source.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        errors[field] = f"Text of at most {limit} characters."
        return ""
    return value


def new_order_from_json(body) -> NewOrder:
    """The request body as a NewOrder; shape errors (types, lengths) raise 422 at once,
    the order service checks the meaning."""
    if not isinstance(body, dict):
        raise BadOrderBody("The body must be a JSON object.", fields={"body": "JSON object"})
    errors: dict[str, str] = {}
    customer = _object(body, "customer", errors)
    address = _object(body, "shipping_address", errors)
    delivery = _object(body, "delivery", errors)
    payment = _object(body, "payment", errors)
    channel = body.get("channel", "web")
    if channel not in API_CHANNELS:
        errors["channel"] = f"One of: {', '.join(API_CHANNELS)}."
    if payment.get("provider", "sandbox") not in PAYMENT_PROVIDERS:
        errors["payment.provider"] = f"One of: {', '.join(PAYMENT_PROVIDERS)}."
    lines = body.get("lines")
    if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
        errors["lines"] = "A list of {sku, quantity, unit_price?} objects."
        lines = []
    order = NewOrder(
        channel=channel if isinstance(channel, str) else "",
        customer_name=_text(customer, "name", errors, "customer.name", 120),
        customer_email=_text(customer, "email", errors, "customer.email"),
        customer_phone=_text(customer, "phone", errors, "customer.phone", 40),
        ship_name=_text(address, "name", errors, "shipping_address.name", 120),
        ship_street=_text(address, "street", errors, "shipping_address.street"),
        ship_postcode=_text(address, "postcode", errors, "shipping_address.postcode", 16),
        ship_city=_text(address, "city", errors, "shipping_address.city", 80),
        ship_country=(_text(address, "country", errors, "shipping_address.country", 2)
                      or "DE").upper(),
        delivery_method=_text(delivery, "method", errors, "delivery.method", 20) or "home",
        pickup_location=_text(delivery, "pickup_location", errors,
                              "delivery.pickup_location", 16),
        locker_id=_text(delivery, "locker_id", errors, "delivery.locker_id", 40),
        lines=lines)
    if errors:
        raise BadOrderBody("The order is not valid.", fields=errors)
    return order


def order_json(order: Order) -> dict:
    """The order as the API shows it."""
    lines = list(OrderLine.select(OrderLine, OrderLine.product).where(OrderLine.order == order)
                 .order_by(OrderLine.line_no))
    by_location: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for reservation in (Reservation.select().join(OrderLine)
                        .where(OrderLine.order == order,
                               Reservation.status == ReservationStatus.ACTIVE)):
        by_location[reservation.location.code][reservation.line.product.sku] += \
            reservation.quantity
    return {
        "number": order.number, "status": order.status, "channel": order.channel,
        "tracking_url": url_for("tracking.track", token=order.tracking_token, _external=True),
        "delivery": {"method": order.delivery_method,
                     "pickup_location": order.pickup_location.code
                     if order.pickup_location_id else None,
                     "locker_id": order.locker_id or None},
        "lines": [{"line": line.line_no, "sku": line.product.sku, "quantity": line.quantity,
                   "unit_price": str(line.unit_price)} for line in lines],
        "fulfillments": [{"id": f"{order.number}-{code}", "location": code,
                          "lines": [{"sku": sku, "quantity": qty} for sku, qty in skus.items()]}
                         for code, skus in sorted(by_location.items())],
        "total": str(order.total), "currency": order.currency,
        "reserved_until": order.reserved_until.isoformat() + "Z"
        if order.reserved_until else None,
        "payment": _payment_json(order),
    }


def _payment_json(order: Order) -> dict:
    """The latest payment attempt and what the customer has to do next."""
    payment = (Payment.select().where(Payment.order == order)
               .order_by(Payment.id.desc()).first())
    if payment is None:
        return {"provider": None, "status": "pending", "next_action": None}
    action = None
    if payment.provider == "sandbox" and payment.status not in FINAL:
        action = {"type": "redirect",
                  "url": url_for("sandbox_pay.page", token=payment.token, _external=True)}
    return {"provider": payment.provider, "status": payment.status, "next_action": action}


def _visible_order(number: str) -> Order:
    order = Order.get_or_none(Order.number == number)
    if order is None:
        raise NotFound(f"No order {number}.")
    return order


@bp.post("/orders")
@require_scope(ApiScope.ORDERS_WRITE)
@idempotent
def create_order():
    """Place an order, reserve its stock and start its payment; 409 out_of_stock
    reserves nothing. The order is confirmed when the provider reports the payment."""
    body = request.get_json(silent=True)
    new_order = new_order_from_json(body)
    provider = (body.get("payment") or {}).get("provider", "sandbox")
    if provider == "stripe":
        raise BadOrderBody("Stripe payments are not enabled on this installation.",
                           fields={"payment.provider": "Use sandbox or in_store."})
    order = place_order(new_order, g.api_key)
    if provider == "sandbox":
        start_payment(order, "sandbox")
    return jsonify(order_json(order)), 201


@bp.get("/orders/<number>")
@require_scope(ApiScope.ORDERS_READ)
def get_order(number: str):
    return jsonify(order_json(_visible_order(number)))


@bp.post("/orders/<number>/cancel")
@require_scope(ApiScope.ORDERS_WRITE)
def cancel(number: str):
    """Cancel the order and release its stock (409 when its status does not allow it)."""
    order = _visible_order(number)
    ensure_cancellable(order)
    order = cancel_order(order, g.api_key, "cancelled through the API")
    return jsonify(order_json(order))
