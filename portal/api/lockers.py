"""GET /api/v1/lockers: the parcel lockers a web shop may offer at checkout.

``?postcode=101`` (prefix) or ``?city=Berlin`` narrow the list; ``limit`` caps it
(default 50). The ``code`` of a locker is what an order names as its ``locker_id``.
"""

from __future__ import annotations

from flask import jsonify, request

from portal.api.auth import require_scope
from portal.api.availability import POSTCODE, BadQuery
from portal.api.views import bp
from portal.auth.roles import ApiScope
from portal.forms import parse_whole_number
from portal.shipping.models import ParcelLocker

MAX_LOCKERS = 200


@bp.get("/lockers")
@require_scope(ApiScope.AVAILABILITY_READ)
def list_lockers():
    """Active lockers by postcode prefix or city, ordered by postcode and code."""
    errors = {}
    postcode, city = request.args.get("postcode"), request.args.get("city")
    if postcode is not None and not POSTCODE.match(postcode):
        errors["postcode"] = "A postcode (prefix) of 2-10 letters or digits."
    if city is not None and not 1 <= len(city.strip()) <= 80:
        errors["city"] = "A city name of at most 80 characters."
    limit = parse_whole_number(request.args.get("limit", "50"))
    if limit is None or not 1 <= limit <= MAX_LOCKERS:
        errors["limit"] = f"1 to {MAX_LOCKERS}."
    if errors:
        raise BadQuery("The query is not valid.", fields=errors)
    query = ParcelLocker.select().where(ParcelLocker.active == True)  # noqa: E712
    if postcode:
        query = query.where(ParcelLocker.postcode.startswith(postcode.strip()))
    if city:
        query = query.where(ParcelLocker.city.ilike(city.strip()))
    lockers = query.order_by(ParcelLocker.postcode, ParcelLocker.code).limit(limit)
    return jsonify({"items": [{"code": locker.code, "name": locker.name,
                               "street": locker.street, "postcode": locker.postcode,
                               "city": locker.city, "country": locker.country}
                              for locker in lockers]})
