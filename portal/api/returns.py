"""The web shop's returns API: ``POST /returns`` (idempotent) registers a return,
``GET /returns/{rma}`` shows it.

The body is checked for shape first (422 per field, nothing written), then
``register_return`` checks its meaning (returnable order, units left, drop-off) and
writes the RMA, its return parcel and the customer's e-mail in one transaction. Field
errors are named like the body (``lines.0.quantity``, ``store``). ``label_url`` is the
customer's public label link (``/track/<token>/returns/<rma>/label.pdf``).
"""

from __future__ import annotations

from decimal import Decimal
from functools import wraps

from flask import g, jsonify, request
from peewee import JOIN

from portal.api.auth import ApiScopeError, require_scope
from portal.api.idempotency import idempotent
from portal.api.schemas import ReturnIn, validate_body
from portal.api.views import bp
from portal.auth.roles import ApiScope
from portal.errors import NotFound
from portal.inventory.models import Product
from portal.locations.models import Location
from portal.orders.models import Order, OrderLine
from portal.payments.models import Refund
from portal.returns.drop_off import DROP_OFF_HELP, return_stores
from portal.returns.models import ReturnEvent, ReturnLine, ReturnOrder
from portal.returns.notify import label_url
from portal.returns.refund_keys import of_return
from portal.returns.services import ReturnInvalid, ReturnRequest, register_return
from portal.returns.status import DropOff
from portal.shipping.models import Shipment


def return_request_from_body(wanted: ReturnIn) -> ReturnRequest:
    """The validated body as a ReturnRequest (``register_return`` checks its meaning)."""
    lines = [{"quantity": line.quantity, "reason": line.reason or "",
              **({"line_no": line.line_no} if line.line_no is not None
                 else {"sku": (line.sku or "").strip()})} for line in wanted.lines]
    return ReturnRequest(order_number=wanted.order_number, lines=lines,
                         reason=wanted.reason or "", drop_off=wanted.drop_off,
                         location=(wanted.store or "") if wanted.drop_off == DropOff.STORE else "")


def find_return(number: str) -> ReturnOrder:
    """The return ``number`` with its order, location and parcel (one query), or 404."""
    found = (ReturnOrder.select(ReturnOrder, Order, Location, Shipment)
             .join(Order).switch(ReturnOrder)
             .join(Location, JOIN.LEFT_OUTER).switch(ReturnOrder)
             .join(Shipment, JOIN.LEFT_OUTER)
             .where(ReturnOrder.number == (number or "").strip().upper()[:20]).first())
    if found is None:
        raise NotFound(f"No return {number}.")
    return found


def _iso(value) -> str | None:
    return value.isoformat() + "Z" if value else None


def _location_json(location: Location | None) -> dict | None:
    if location is None:
        return None
    return {"code": location.code, "name": location.name, "street": location.street,
            "postcode": location.postcode, "city": location.city,
            "country": location.country}


def return_json(rma: ReturnOrder) -> dict:
    """A return as the API shows it (``rma`` from ``find_return``; three more queries)."""
    lines = (ReturnLine.select(ReturnLine, OrderLine.line_no, Product.sku)
             .join(OrderLine).join(Product)
             .where(ReturnLine.return_order == rma.id).order_by(ReturnLine.id))
    refund = (Refund.select(Refund.status).where(of_return(rma.number))
              .order_by(Refund.id.desc()).first())
    events = (ReturnEvent.select(ReturnEvent.kind, ReturnEvent.at)
              .where(ReturnEvent.return_order == rma.id)
              .order_by(ReturnEvent.at, ReturnEvent.id).tuples())
    return {
        "rma": rma.number, "order_number": rma.order.number, "status": rma.status,
        "drop_off": rma.drop_off,
        "location": _location_json(rma.location if rma.location_id else None),
        "lines": [{"line_no": line.order_line.line_no, "sku": line.order_line.product.sku,
                   "quantity": line.quantity, "reason": line.reason,
                   "condition": line.condition or None,
                   "disposition": line.disposition or None,
                   "refund_amount": None if line.refund_amount is None
                   else str(line.refund_amount)} for line in lines],
        "refund": {"total": f"{Decimal(rma.refund_total):.2f}", "currency": rma.order.currency,
                   "status": refund.status if refund else None},
        "tracking_number": rma.shipment.tracking_number if rma.shipment_id else None,
        "label_url": label_url(rma, rma.order),
        "created_at": _iso(rma.created_at), "received_at": _iso(rma.received_at),
        "events": [{"kind": kind, "at": _iso(at)} for kind, at in events],
    }


def drop_off_options_json(order: Order) -> list[dict]:
    """The stores that take returns (nearest first, at most 10), then post and mailbox."""
    stores = [{"drop_off": DropOff.STORE.value, "store": store.code, "name": store.name,
               "street": store.street, "postcode": store.postcode, "city": store.city,
               "distance_km": None if km is None else round(km, 1),
               "description": str(DROP_OFF_HELP[DropOff.STORE])}
              for store, km in return_stores(order)]
    return stores + [{"drop_off": kind.value, "description": str(DROP_OFF_HELP[kind])}
                     for kind in (DropOff.POST_OFFICE, DropOff.MAILBOX)]


def _body_fields(fields: dict) -> dict:
    """The service's field names as the body's (the store is ``location`` there)."""
    return {("store" if name == "location" else name): text for name, text in fields.items()}


def require_any_scope(*scopes: str):
    """403 unless the calling key has one of ``scopes``."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not set(scopes) & set(g.api_key.scope_list):
                named = "' or '".join(scopes)
                raise ApiScopeError(f"This API key lacks the scope '{named}'.")
            return view(*args, **kwargs)

        wrapped.api_scopes = tuple(str(scope) for scope in scopes)  # for the OpenAPI document
        return wrapped

    return decorator


@bp.post("/returns")
@require_scope(ApiScope.RETURNS_WRITE)
@idempotent
def create_return():
    """Register a return: 201 with the RMA, its label link and the drop-off options."""
    asked = validate_body(ReturnIn, request.get_json(silent=True), "The return is not valid.")
    wanted = return_request_from_body(asked)
    try:
        rma = register_return(wanted, g.api_key, via="api")
    except ReturnInvalid as error:
        raise ReturnInvalid(error.message, fields=_body_fields(error.fields)) from None
    found = find_return(rma.number)
    return jsonify({**return_json(found),
                    "drop_off_options": drop_off_options_json(found.order)}), 201


@bp.get("/returns/<rma>")
@require_any_scope(ApiScope.RETURNS_WRITE, ApiScope.ORDERS_READ)
def get_return(rma: str):
    return jsonify(return_json(find_return(rma)))
