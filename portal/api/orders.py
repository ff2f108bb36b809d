"""The web shop's order API: POST /orders (idempotent), GET /orders/{number}, cancel.

``payment.next_action`` is what the payment provider's adapter says the customer does
next (the sandbox's hosted page, Stripe's client secret); the order becomes
``confirmed`` when the provider's signed webhook reports the payment. A provider this
installation has not enabled (Stripe without its keys) is refused with 422.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation

from flask import g, jsonify, request, url_for

from portal.api.auth import require_scope
from portal.api.fields import optional_text
from portal.api.idempotency import idempotent
from portal.api.schemas import OrderIn, validate_body
from portal.api.views import bp
from portal.auth.roles import ApiScope
from portal.errors import DomainError, NotFound
from portal.inventory.models import Product
from portal.locations.models import Location
from portal.orders.models import Order, OrderLine, Reservation
from portal.orders.services import NewOrder, place_order
from portal.orders.status import ReservationStatus
from portal.payments.providers import get_provider, provider_names
from portal.payments.queries import PaymentView, main_payment, order_payments
from portal.payments.refunds import cancel_with_refund
from portal.payments.services import start_order_payment
from portal.returns.models import ReturnOrder
from portal.shipping.queries import order_shipments_json

API_CHANNELS = ("web", "marketplace")


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
    return optional_text(source.get(name, ""), field, errors, limit)


def _fee(body: dict, errors: dict) -> Decimal:
    """``shipping_fee`` as a decimal string or a number (0 when left out); its range is
    the order service's to check."""
    value = body.get("shipping_fee")
    if value is None:
        return Decimal("0")
    if isinstance(value, (int, float, str)) and not isinstance(value, bool) \
            and len(str(value)) <= 20:
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            pass
    errors["shipping_fee"] = "A decimal string or number, e.g. \"4.95\"."
    return Decimal("0")


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
    if payment.get("provider", "sandbox") not in provider_names():
        errors["payment.provider"] = f"One of: {', '.join(provider_names())}."
    lines = body.get("lines")
    if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
        errors["lines"] = "A list of {sku, quantity, unit_price?} objects."
        lines = []
    order = NewOrder(
        channel=channel if isinstance(channel, str) else "",
        customer_name=_text(customer, "name", errors, "customer.name", 120),
        customer_email=_text(customer, "email", errors, "customer.email"),
        customer_phone=_text(customer, "phone", errors, "customer.phone", 40),
        customer_group=_text(customer, "group", errors, "customer.group", 30),
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
        lines=lines, shipping_fee=_fee(body, errors))
    if errors:
        raise BadOrderBody("The order is not valid.", fields=errors)
    return order


def order_json(order: Order, payments: list[PaymentView] | None = None) -> dict:
    """The order as the API shows it; ``payments`` when the caller already has them."""
    lines = list(OrderLine.select(OrderLine.id, OrderLine.line_no, Product.sku,
                                  OrderLine.quantity, OrderLine.unit_price)
                 .join(Product).where(OrderLine.order == order)
                 .order_by(OrderLine.line_no).tuples())
    skus = {line_id: sku for line_id, _no, sku, _qty, _price in lines}
    by_location: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    # By line id (its own index), not joined to the lines: a plan that stays cheap.
    for line_id, code, quantity in (Reservation
                                    .select(Reservation.line, Location.code,
                                            Reservation.quantity)
                                    .join(Location)
                                    .where(Reservation.line.in_(list(skus)),
                                           Reservation.status == ReservationStatus.ACTIVE)
                                    .order_by(Reservation.id).tuples()):
        by_location[code][skus[line_id]] += quantity
    return {
        "number": order.number, "status": order.status, "channel": order.channel,
        "tracking_url": url_for("tracking.track", token=order.tracking_token, _external=True),
        "delivery": {"method": order.delivery_method,
                     "pickup_location": order.pickup_location.code
                     if order.pickup_location_id else None,
                     "locker_id": order.locker_id or None},
        "lines": [{"line": line_no, "sku": sku, "quantity": quantity,
                   "unit_price": str(unit_price)}
                  for _id, line_no, sku, quantity, unit_price in lines],
        "fulfillments": [{"id": f"{order.number}-{code}", "location": code,
                          "lines": [{"sku": sku, "quantity": qty} for sku, qty in skus.items()]}
                         for code, skus in sorted(by_location.items())],
        "shipping_fee": f"{Decimal(order.shipping_fee or 0):.2f}",
        "total": str(order.total), "currency": order.currency,
        "reserved_until": order.reserved_until.isoformat() + "Z"
        if order.reserved_until else None,
        "payment": _payment_json(order_payments(order) if payments is None else payments),
        "shipments": order_shipments_json(order.id),
        "returns": _returns_json(order.id),
    }


def _returns_json(order_id: int) -> list[dict]:
    """The order's returns (RMA, status, refunded so far), oldest first; one query."""
    rows = (ReturnOrder.select(ReturnOrder.number, ReturnOrder.status, ReturnOrder.refund_total)
            .where(ReturnOrder.order == order_id).order_by(ReturnOrder.id).tuples())
    return [{"rma": number, "status": status, "refund_total": f"{Decimal(total):.2f}"}
            for number, status, total in rows]


def _payment_json(views: list[PaymentView]) -> dict:
    """The payment that took the money (else the latest attempt), what the customer has
    to do next as its provider's adapter says, and its refunds."""
    view = main_payment(views)
    if view is None:
        return {"provider": None, "status": "pending", "next_action": None, "refunds": []}
    payment = view.payment
    return {"provider": payment.provider, "status": payment.status,
            "next_action": get_provider(payment.provider, enabled=False).next_action(payment),
            "refunds": [{"amount": str(refund.amount), "currency": refund.currency,
                         "status": refund.status, "reference": refund.provider_reference,
                         "reason": refund.reason,
                         "created_at": refund.created_at.isoformat() + "Z"}
                        for refund in view.refunds]}


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
    validate_body(OrderIn, body, "The order is not valid.")
    new_order = new_order_from_json(body)
    provider = (body.get("payment") or {}).get("provider", "sandbox")
    get_provider(provider)  # 422 before anything is placed when it is not enabled here
    order = place_order(new_order, g.api_key)
    payment = start_order_payment(order, provider, g.api_key)  # cancels the order on failure
    # The attempt just started is the order's only payment and has no refunds yet.
    return jsonify(order_json(order, [PaymentView(payment)])), 201


@bp.get("/orders/<number>")
@require_scope(ApiScope.ORDERS_READ)
def get_order(number: str):
    return jsonify(order_json(_visible_order(number)))


@bp.post("/orders/<number>/cancel")
@require_scope(ApiScope.ORDERS_WRITE)
def cancel(number: str):
    """Cancel the order and release its stock, refunding in full what it was paid (409
    when its status does not allow it; the provider's error when the refund fails, and
    then the order stays as it was)."""
    order = _visible_order(number)
    cancel_with_refund(order, g.api_key, "cancelled through the API")
    return jsonify(order_json(order))
