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

from datetime import UTC, datetime, timedelta

from flask import g, jsonify, request

from portal.api.auth import require_scope
from portal.api.fields import optional_text
from portal.api.fulfillments import BadRequest, event_id_of
from portal.api.schemas import ShipmentEventIn, validate_body, with_event_id
from portal.api.views import bp
from portal.auth.roles import ApiScope
from portal.db import utcnow
from portal.errors import NotFound
from portal.shipping.models import Shipment, ShipmentEvent
from portal.shipping.queries import (
    TrackingUrls,
    event_moved,
    find_shipment,
    shipment_json,
    with_parcels,
)
from portal.shipping.tracking import REPORTABLE, report

STATUSES = tuple(status.value for status in REPORTABLE)
MAX_AHEAD = timedelta(hours=1)  # carriers' clocks drift; a later time is a mistake
MAX_PLACE, MAX_NOTE = 120, 200


def _text(body: dict, name: str, limit: int, errors: dict) -> str:
    return optional_text(body.get(name), name, errors, limit, strip=True)


def _time(value, errors: dict) -> datetime | None:
    """``at`` as naive UTC (as stored); None when absent or bad (then in ``errors``)."""
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value.strip()) if isinstance(value, str) else None
    except ValueError:
        at = None
    if at is None:
        errors["at"] = "An ISO-8601 time, e.g. 2026-03-02T14:05:00+01:00."
        return None
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    if at > utcnow() + MAX_AHEAD:
        errors["at"] = "The event cannot lie in the future."
        return None
    return at


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
    body = request.get_json(silent=True)
    validate_body(ShipmentEventIn, with_event_id(body, request.headers.get("Idempotency-Key")),
                  "The event is not valid.")
    errors: dict[str, str] = {}
    event_id = event_id_of(body, errors)
    status = body.get("status")
    if status not in STATUSES:
        errors["status"] = f"One of: {', '.join(STATUSES)}."
    at = _time(body.get("at"), errors)
    place = _text(body, "place", MAX_PLACE, errors)
    note = _text(body, "note", MAX_NOTE, errors)
    if errors:
        raise BadRequest("The event is not valid.", fields=errors)
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
