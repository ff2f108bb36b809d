"""The web shop's order API: POST /orders (idempotent), GET /orders/{number}, cancel.

``payment.next_action`` is what the payment provider's adapter says the customer does
next (the sandbox's hosted page, Stripe's client secret); the order becomes
``confirmed`` when the provider's signed webhook reports the payment. A provider this
installation has not enabled (Stripe without its keys) is refused with 422.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from flask import g, jsonify, request, url_for

from portal.api.auth import require_scope
from portal.api.idempotency import idempotent
from portal.api.schemas import OrderIn, validate_body
from portal.api.views import bp
from portal.auth.roles import ApiScope
from portal.errors import NotFound
from portal.i18n import customer_language
from portal.inventory.models import Product
from portal.locations.models import Location
from portal.orders.models import Order, OrderLine, Reservation
from portal.orders.services import NewOrder, place_order
from portal.orders.status import ReservationStatus
from portal.payments.providers import get_provider
from portal.payments.queries import PaymentView, main_payment, order_payments
from portal.payments.refunds import cancel_with_refund
from portal.payments.services import start_order_payment
from portal.returns.models import ReturnOrder
from portal.shipping.queries import order_shipments_json


def new_order_from_body(order: OrderIn, body: dict) -> NewOrder:
    """The validated body as a NewOrder (the model checked types and lengths); the order
    service checks the meaning, each line included."""
    customer, address, delivery = order.customer, order.shipping_address, order.delivery
    fee = body.get("shipping_fee")  # as sent: a float would lose digits as the model's
    return NewOrder(
        channel=order.channel,
        customer_name=customer.name or "", customer_email=customer.email or "",
        customer_phone=customer.phone or "", customer_group=customer.group or "",
        ship_name=address.name or "", ship_street=address.street or "",
        ship_postcode=address.postcode or "", ship_city=address.city or "",
        ship_country=(address.country or "DE").upper(),
        delivery_method=delivery.method or "home",
        pickup_location=delivery.pickup_location or "", locker_id=delivery.locker_id or "",
        lines=body["lines"],  # the service checks each line's sku, quantity and price
        shipping_fee=Decimal("0") if fee is None else Decimal(str(fee).strip()),
        language=order.language or "")


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
        "language": customer_language(order.language),
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
    order_in = validate_body(OrderIn, body, "The order is not valid.")
    new_order = new_order_from_body(order_in, body)
    provider = order_in.payment.provider
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
