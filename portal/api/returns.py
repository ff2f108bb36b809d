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
from portal.api.fields import optional_text
from portal.api.idempotency import idempotent
from portal.api.schemas import ReturnIn, validate_body
from portal.api.views import bp
from portal.auth.roles import ApiScope
from portal.errors import DomainError, NotFound
from portal.inventory.models import Product
from portal.locations.models import Location
from portal.orders.models import Order, OrderLine
from portal.payments.models import Refund
from portal.returns.drop_off import DROP_OFF_HELP, return_stores
from portal.returns.models import ReturnEvent, ReturnLine, ReturnOrder
from portal.returns.notify import label_url
from portal.returns.refund_keys import of_return
from portal.returns.services import MAX_LINES, ReturnInvalid, ReturnRequest, register_return
from portal.returns.status import DropOff
from portal.shipping.models import Shipment

TEXT_LIMIT = 200


class BadReturnBody(DomainError):
    code = "invalid"
    status = 422


def _text(value, field: str, errors: dict) -> str:
    return optional_text(value, field, errors, TEXT_LIMIT)


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _line(raw, name: str, errors: dict) -> dict:
    if not isinstance(raw, dict):
        errors[name] = "An object {sku or line_no, quantity, reason?}."
        return {}
    line: dict = {"quantity": raw.get("quantity"),
                  "reason": _text(raw.get("reason"), f"{name}.reason", errors)}
    if raw.get("line_no") is not None:
        if not _count(raw["line_no"]):
            errors[f"{name}.line_no"] = "A line number of the order (1, 2, ...)."
        line["line_no"] = raw["line_no"]
    elif isinstance(raw.get("sku"), str) and 0 < len(raw["sku"].strip()) <= 64:
        line["sku"] = raw["sku"].strip()
    else:
        errors[name] = "Name the order line by sku or line_no."
    if not _count(line["quantity"]) or line["quantity"] > 10_000:
        errors[f"{name}.quantity"] = "A whole number of at least 1."
    return line


def return_request_from_json(body) -> ReturnRequest:
    """The body as a ReturnRequest; shape errors raise 422 with every bad field."""
    if not isinstance(body, dict):
        raise BadReturnBody("The body must be a JSON object.", fields={"body": "JSON object"})
    errors: dict[str, str] = {}
    number = body.get("order_number")
    if not isinstance(number, str) or not 0 < len(number.strip()) <= 20:
        errors["order_number"] = "The order's number, e.g. OMS-2026-000123."
    lines = body.get("lines")
    if not isinstance(lines, list) or not 0 < len(lines) <= MAX_LINES:
        errors["lines"] = f"A list of 1 to {MAX_LINES} {{sku or line_no, quantity}} objects."
        lines = []
    drop_off = body.get("drop_off")
    if not isinstance(drop_off, str) or drop_off not in set(DropOff):
        errors["drop_off"] = f"One of: {', '.join(DropOff)}."
    store = body.get("store")
    if drop_off == DropOff.STORE and (not isinstance(store, str) or not 0 < len(store) <= 16):
        errors["store"] = "The code of a store that takes returns (see drop_off_options)."
    wanted = ReturnRequest(
        order_number=number.strip() if isinstance(number, str) else "",
        lines=[_line(raw, f"lines.{i}", errors) for i, raw in enumerate(lines)],
        reason=_text(body.get("reason"), "reason", errors),
        drop_off=drop_off if isinstance(drop_off, str) else "",
        location=store if drop_off == DropOff.STORE and isinstance(store, str) else "")
    if errors:
        raise BadReturnBody("The return is not valid.", fields=errors)
    return wanted


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
    body = request.get_json(silent=True)
    validate_body(ReturnIn, body, "The return is not valid.")
    wanted = return_request_from_json(body)
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
