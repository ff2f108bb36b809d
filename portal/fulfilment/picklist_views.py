"""Printable pick lists (routes on the ``fulfilment`` blueprint).

``POST /fulfilment/pick-list`` prints the rows ticked in the queue (all of one location
the user may work; another's is a 404), ``GET /fulfilment/pick-list.pdf`` a location's
whole queue in one state (accepted and picking unless asked), at most MAX_ALL of them.
"""

from __future__ import annotations

import io

from flask import abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext, to_user_timezone
from flask_login import current_user

from portal.auth.login import roles_required
from portal.db import utcnow
from portal.fulfilment import queries
from portal.fulfilment.models import FulfillmentOrder
from portal.fulfilment.picklist import render_pick_list
from portal.fulfilment.status import FulfillmentStatus
from portal.fulfilment.views import MAX_BULK, STAFF, _filters, _location, bp
from portal.locations.models import Location

MAX_ALL = 500
TO_PICK = (FulfillmentStatus.ACCEPTED, FulfillmentStatus.PICKING)


def _pdf(location: Location, fulfillments: list[FulfillmentOrder], left_out: int = 0):
    stamp = to_user_timezone(utcnow()).strftime("%Y%m%d-%H%M")
    response = send_file(io.BytesIO(render_pick_list(location, fulfillments, left_out)),
                         mimetype="application/pdf",
                         download_name=f"pick-list-{location.code}-{stamp}.pdf")
    response.headers["Cache-Control"] = "no-store"
    return response


def _back(filters: dict, message: str):
    flash(message, "error")
    return redirect(url_for(".index", **{k: v for k, v in filters.items() if v}))


@bp.post("/pick-list")
@roles_required(*STAFF)
def pick_list():
    """The pick list of the selected rows (at most MAX_BULK, all at one location)."""
    filters = _filters(request.form)
    ids = {int(i) for i in request.form.getlist("ids") if i.isdigit()}
    if not ids:
        return _back(filters, _("Select rows for the pick list."))
    if len(ids) > MAX_BULK:
        return _back(filters, ngettext("A pick list takes at most %(num)s row.",
                                       "A pick list takes at most %(num)s rows.", MAX_BULK))
    allowed = {place.id: place for place in queries.queue_locations(current_user)}
    chosen = list(FulfillmentOrder.select().where(FulfillmentOrder.id.in_(list(ids))))
    if len(chosen) != len(ids) or any(f.location_id not in allowed for f in chosen):
        abort(404)  # not in this user's queues: no hint that it exists
    places = {f.location_id for f in chosen}
    location = allowed[next(iter(places))]
    if len(places) > 1 or (filters["location"] and filters["location"] != location.code):
        return _back(filters, _("A pick list is for one location: select rows of one "
                                "location only."))
    return _pdf(location, chosen)


@bp.get("/pick-list.pdf")
@roles_required(*STAFF)
def pick_list_all():
    """The pick list of a location's queue in one state (default: accepted and picking)."""
    location, _places = _location(request.args.get("location", "").upper()[:16])
    status = request.args.get("status", "")
    query = queries.queue(location, status if status in set(FulfillmentStatus) else "")
    if status not in set(FulfillmentStatus):
        query = query.where(FulfillmentOrder.status.in_([s.value for s in TO_PICK]))
    chosen = list(query.limit(MAX_ALL))
    left_out = query.count() - MAX_ALL if len(chosen) == MAX_ALL else 0
    return _pdf(location, chosen, left_out)
