"""The fulfilment work queue (blueprint ``fulfilment``, /fulfilment/): one location's
fulfilments by state, the next step per row, bulk steps on the selected rows.

Logistics staff work every location that is not a store, an employee only their own
store (another store's fulfilment is a 404), managers and admins any location. Every
step is a POST through ``services.advance``; without JavaScript the view redirects back
to the queue with flash messages, with htmx it answers the queue fragment.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.login import roles_required
from portal.auth.roles import Role
from portal.errors import DomainError
from portal.fulfilment import queries
from portal.fulfilment.models import FulfillmentOrder
from portal.fulfilment.services import advance, pickup_here
from portal.fulfilment.status import (
    ACTION_LABELS,
    BULK_EVENTS,
    OPEN,
    STATUS_LABELS,
    EventType,
    FulfillmentStatus,
    next_events,
)
from portal.htmx import wants_fragment
from portal.locations.directory import location_directory
from portal.pagination import paginate

bp = Blueprint("fulfilment", __name__, url_prefix="/fulfilment")
STAFF = (Role.EMPLOYEE, Role.LOGISTICS, Role.MANAGER, Role.ADMIN)
MAX_BULK = 200


def _filters(source) -> dict:
    status = source.get("status", "")
    return {"location": source.get("location", "").upper()[:16],
            "status": status if status in set(FulfillmentStatus) else "",
            "q": source.get("q", "").strip()[:40], "page": source.get("page", "")}


def _location(code: str):
    """The location whose queue is shown: the asked one if the user may work it (else
    404), otherwise the first the user may work (a warehouse first)."""
    places = queries.queue_locations(current_user)
    if code:
        chosen = next((place for place in places if place.code == code), None)
        if chosen is None:
            abort(404)
        return chosen, places
    if not places:
        abort(404)
    return places[0], places


def _context(filters: dict, report: list | None = None) -> dict:
    location, places = _location(filters["location"])
    filters = {**filters, "location": location.code}
    page = paginate(queries.queue(location, filters["status"], filters["q"]), per_page=30,
                    number=filters["page"], endpoint="fulfilment.index",
                    args={k: filters[k] for k in ("location", "status", "q")})
    lines = queries.lines_of(page.items)
    numbers = queries.tracking_numbers(page.items) if page.items else {}
    directory = location_directory()
    rows = [{"f": f, "lines": lines.get(f.id, []), "here": (here := pickup_here(f.order, f)),
             "actions": next_events(f.status, here), "tracking": numbers.get(f.id, []),
             "pickup": directory.get(f.order.pickup_location_id),
             "open": f.status in OPEN} for f in page.items]
    return {"location": location, "locations": places, "filters": filters, "page": page,
            "rows": rows, "counts": queries.status_counts(location), "report": report or [],
            "status_labels": STATUS_LABELS, "action_labels": ACTION_LABELS,
            "bulk_events": BULK_EVENTS}


@bp.get("/")
@roles_required(*STAFF)
def index():
    context = _context(_filters(request.args))
    if wants_fragment():
        return render_template("fulfilment/_queue.html", **context)
    return render_template("fulfilment/index.html", **context)


def _visible(fulfillment_id: int) -> FulfillmentOrder:
    """The fulfilment if the user may work its location, else 404 (no hint it exists)."""
    fulfillment = FulfillmentOrder.get_or_none(FulfillmentOrder.id == fulfillment_id)
    allowed = {place.id for place in queries.queue_locations(current_user)}
    if fulfillment is None or fulfillment.location_id not in allowed:
        abort(404)
    return fulfillment


def _step(fulfillment: FulfillmentOrder, event_type: str, reason: str = "") -> tuple[bool, str]:
    """Apply one step; (done, what to tell the user)."""
    if event_type == EventType.PICKED:
        event_type = EventType.PICKING
    try:
        advance(fulfillment, event_type, current_user,
                payload={"reason": reason} if reason else None)
    except DomainError as error:
        return False, f"{fulfillment.number}: {error.message}"
    label = STATUS_LABELS.get(FulfillmentOrder.get_by_id(fulfillment.id).status, "")
    return True, _("%(number)s: %(status)s.", number=fulfillment.number, status=label)


def _answer(filters: dict, report: list[tuple[bool, str]]):
    if wants_fragment():
        return render_template("fulfilment/_queue.html", **_context(filters, report))
    for done, message in report:
        flash(message, "success" if done else "error")
    args = {k: v for k, v in filters.items() if v}
    return redirect(url_for(".index", **args))


@bp.post("/<int:fulfillment_id>/events")
@roles_required(*STAFF)
def step(fulfillment_id: int):
    """One row's next step (or "cannot fulfil" with a reason)."""
    fulfillment = _visible(fulfillment_id)
    event_type = request.form.get("type", "")
    reason = request.form.get("reason", "").strip()[:160]
    if event_type == EventType.REJECTED and not reason:
        report = [(False, _("%(number)s: say why it cannot be fulfilled.",
                            number=fulfillment.number))]
    else:
        report = [_step(fulfillment, event_type, reason)]
    return _answer(_filters(request.form), report)


@bp.post("/bulk")
@roles_required(*STAFF)
def bulk():
    """The same step for every selected row; each row's outcome is reported."""
    filters = _filters(request.form)
    event_type = request.form.get("type", "")
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()][:MAX_BULK]
    if event_type not in set(BULK_EVENTS) or not ids:
        return _answer(filters, [(False, _("Select rows and a step."))])
    allowed = {place.id for place in queries.queue_locations(current_user)}
    chosen = {f.id: f for f in FulfillmentOrder.select().where(FulfillmentOrder.id.in_(ids))
              if f.location_id in allowed}
    report = [_step(chosen[i], event_type) if i in chosen
              else (False, _("Row %(id)s is not in your queue.", id=i)) for i in ids]
    done = sum(1 for ok, _message in report if ok)
    summary = (not any(not ok for ok, _m in report),
               _("%(done)s of %(total)s rows done.", done=done, total=len(report)))
    return _answer(filters, [summary, *report])

from portal.fulfilment import pack_views, picklist_views  # noqa: E402,F401  (routes on bp)
