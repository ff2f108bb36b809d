"""Carriers report tracking events: ``POST /shipments/{tracking_number}/events`` (scope
``shipments:write``) with ``{"event_id", "status", "at"?, "place"?, "note"?}``.

``status`` is ``handed_over``, ``in_transit`` or ``delivered``; ``at`` an ISO-8601 time
(without an offset it is UTC; at most an hour ahead of ours); the event id (body or
``Idempotency-Key`` header) counts once per API key: the same event again answers as
before with ``Idempotent-Replayed: true``, another body under it is 422
``event_id_reused``. A status behind the shipment's is recorded on its timeline but
moves nothing (``"moved": false``). Bad input is 422 with field errors and changes
nothing; an unknown tracking number 404.
"""

from __future__ import annotations

from datetime import datetime

from flask import g, jsonify, request

from portal.api.auth import require_scope
from portal.api.fulfillments import BadRequest
from portal.api.schemas import ShipmentEventIn, utc_time, validate_body, with_event_id
from portal.api.views import bp
from portal.auth.roles import ApiScope
from portal.errors import NotFound
from portal.shipping.models import Shipment, ShipmentEvent
from portal.shipping.queries import (
    TrackingUrls,
    event_moved,
    find_shipment,
    shipment_json,
    with_parcels,
)
from portal.shipping.tracking import report


def _same(event: ShipmentEvent, shipment: Shipment, status: str, place: str, note: str,
          at: datetime | None) -> bool:
    """Whether a stored event is this report again (``at`` only when sent)."""
    return (event.shipment_id == shipment.id and event.status == status
            and event.place == place and event.note == note
            and (at is None or event.at == at))


@bp.post("/shipments/<tracking_number>/events")
@require_scope(ApiScope.SHIPMENTS_WRITE)
def report_shipment_event(tracking_number: str):
    """Record one carrier event (see the module docstring)."""
    event_in = validate_body(ShipmentEventIn, with_event_id(
        request.get_json(silent=True), request.headers.get("Idempotency-Key")),
        "The event is not valid.")
    status, event_id = event_in.status, event_in.event_id
    at = utc_time(event_in.at) if event_in.at is not None else None
    place, note = (event_in.place or "").strip(), (event_in.note or "").strip()
    shipment = find_shipment(tracking_number)
    if shipment is None:
        raise NotFound(f"No shipment with tracking number {tracking_number[:40]}.")
    done = report(shipment, status, g.api_key, source=f"api:{g.api_key.id}",
                  event_id=event_id, place=place, note=note, at=at)
    if done.replayed and not _same(done.event, shipment, status, place, note, at):
        raise BadRequest("This event_id was used before for another event.",
                         code="event_id_reused", fields={"event_id": "Already used."})
    event = done.event
    (view,) = with_parcels(Shipment.id == shipment.id)
    response = jsonify({
        "event": {"id": event.event_id, "status": event.status,
                  "at": event.at.isoformat() + "Z", "place": event.place, "note": event.note},
        "moved": event_moved(event) if done.replayed else done.moved,
        "duplicate": done.replayed,
        "shipment": shipment_json(view, TrackingUrls())})
    if done.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response
