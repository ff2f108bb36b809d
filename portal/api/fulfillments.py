"""The WMS API: pull a location's work, report each step.

``GET /fulfillments?location=CODE&status=assigned&page=1&per_page=50`` (scope
``fulfillments:read``) lists fulfilments oldest first with a ``next`` link;
``GET /fulfillments/{id}`` one of them; ``POST /fulfillments/{id}/events`` (scope
``fulfillments:write``) reports ``{"event_id", "type", "parcels", "tracking_number",
"reason"}``. The event id (body or ``Idempotency-Key`` header) makes a report
idempotent per API key: the same report again answers as before, another body 422.
"""

from __future__ import annotations

from functools import wraps

from flask import g, jsonify, request, url_for

from portal.api.auth import ApiScopeError
from portal.api.schemas import FulfillmentEventIn, validate_body, with_event_id
from portal.api.views import bp
from portal.auth.roles import ApiScope
from portal.errors import DomainError, NotFound
from portal.forms import parse_whole_number
from portal.fulfilment.models import FulfillmentOrder
from portal.fulfilment.queries import lines_of, queue
from portal.fulfilment.services import advance
from portal.fulfilment.status import FulfillmentStatus
from portal.locations.models import Location
from portal.orders.models import Order
from portal.shipping.queries import fulfilment_shipments_json

MAX_PER_PAGE = 200


class BadRequest(DomainError):
    code = "invalid"
    status = 422


def require_fulfillment_scope(scope: ApiScope):
    """403 unless the key has ``scope`` or the older all-in-one ``fulfillments``."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            granted = g.api_key.scope_list
            if scope not in granted and ApiScope.FULFILLMENTS not in granted:
                raise ApiScopeError(f"This API key lacks the scope '{scope}'.")
            return view(*args, **kwargs)

        wrapped.api_scopes = (str(scope), str(ApiScope.FULFILLMENTS))  # for OpenAPI
        return wrapped

    return decorator


def fulfillment_json(fulfillment: FulfillmentOrder, lines: list[dict],
                     shipments: list[dict] | None = None) -> dict:
    """A fulfilment as the WMS sees it (``fulfillment.order`` already joined;
    ``shipments`` from ``fulfilment_shipments_json``)."""
    order = fulfillment.order
    pickup = order.pickup_location if order.pickup_location_id else None
    return {
        "id": fulfillment.id, "number": fulfillment.number, "order_number": order.number,
        "location": fulfillment.location.code, "status": fulfillment.status,
        "delivery_method": order.delivery_method,
        "pickup_location": pickup.code if pickup else None,
        "customer_city": order.ship_city or (pickup.city if pickup else ""),
        "lines": [{"sku": line["sku"], "quantity": line["quantity"],
                   **({"promised_until": line["promised_until"].isoformat()}
                      if line["promised_until"] else {})} for line in lines],
        "rejected_reason": fulfillment.rejected_reason or None,
        "shipments": shipments or [],
        "created_at": fulfillment.created_at.isoformat() + "Z",
        "updated_at": fulfillment.updated_at.isoformat() + "Z",
    }


def _one(fulfillment_id: int) -> FulfillmentOrder:
    fulfillment = (FulfillmentOrder.select(FulfillmentOrder, Order).join(Order)
                   .where(FulfillmentOrder.id == fulfillment_id).first())
    if fulfillment is None:
        raise NotFound(f"No fulfillment {fulfillment_id}.")
    return fulfillment


def _int_arg(name: str, default: int, errors: dict, low: int, high: int) -> int:
    raw = request.args.get(name, "")
    if not raw:
        return default
    number = parse_whole_number(raw)  # ASCII digits only: "²".isdigit() is True
    if number is None or not low <= number <= high:
        errors[name] = f"A whole number from {low} to {high}."
        return default
    return number


@bp.get("/fulfillments")
@require_fulfillment_scope(ApiScope.FULFILLMENTS_READ)
def list_fulfillments():
    """One page of fulfilments (oldest first), filtered by location code and status."""
    errors: dict[str, str] = {}
    code, status = request.args.get("location", "").upper(), request.args.get("status", "")
    location = Location.get_or_none(Location.code == code) if code else None
    if not code or location is None:
        errors["location"] = "The code of an existing location."
    if status and status not in set(FulfillmentStatus):
        errors["status"] = f"One of: {', '.join(FulfillmentStatus)}."
    page = _int_arg("page", 1, errors, 1, 10**6)
    per_page = _int_arg("per_page", 50, errors, 1, MAX_PER_PAGE)
    if errors:
        raise BadRequest("The query is not valid.", fields=errors)
    rows = list(queue(location, status).offset((page - 1) * per_page).limit(per_page + 1))
    more, rows = len(rows) > per_page, rows[:per_page]
    for row in rows:
        row.location = location  # all rows are this location's
    lines, shipments = lines_of(rows), fulfilment_shipments_json([row.id for row in rows])
    args = {"location": location.code, "per_page": per_page, **({"status": status}
                                                                if status else {})}
    return jsonify({
        "items": [fulfillment_json(row, lines.get(row.id, []), shipments.get(row.id))
                  for row in rows],
        "page": page, "per_page": per_page,
        "next": url_for(".list_fulfillments", page=page + 1, _external=True, **args)
        if more else None})


@bp.get("/fulfillments/<int:fulfillment_id>")
@require_fulfillment_scope(ApiScope.FULFILLMENTS_READ)
def get_fulfillment(fulfillment_id: int):
    return jsonify(_full_json(_one(fulfillment_id)))


def _full_json(fulfillment: FulfillmentOrder) -> dict:
    """One fulfilment with its lines and shipments."""
    return fulfillment_json(fulfillment, lines_of([fulfillment]).get(fulfillment.id, []),
                            fulfilment_shipments_json([fulfillment.id]).get(fulfillment.id))


@bp.post("/fulfillments/<int:fulfillment_id>/events")
@require_fulfillment_scope(ApiScope.FULFILLMENTS_WRITE)
def report_event(fulfillment_id: int):
    """Apply one WMS event; 409 ``illegal_transition`` changes nothing."""
    body = request.get_json(silent=True)
    event_in = validate_body(FulfillmentEventIn,
                             with_event_id(body, request.headers.get("Idempotency-Key")),
                             "The event is not valid.")
    fulfillment = _one(fulfillment_id)
    outcome = advance(fulfillment, event_in.type, g.api_key, event_id=event_in.event_id,
                      payload={k: body.get(k) for k in ("parcels", "tracking_number", "reason")},
                      source=f"api:{g.api_key.id}")
    current = _one(fulfillment_id)
    event = outcome.event
    response = jsonify({
        "event": {"id": event.event_id, "type": event.type, "from_status": event.from_status,
                  "to_status": event.to_status, "at": event.at.isoformat() + "Z"},
        "duplicate": outcome.replayed,
        "fulfillment": _full_json(current)})
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response
