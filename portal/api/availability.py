"""GET /api/v1/availability: available-to-promise for the web shop and marketplaces."""

from __future__ import annotations

import re

from flask import jsonify, request

from portal.api.auth import require_scope
from portal.api.views import bp
from portal.auth.roles import ApiScope
from portal.errors import DomainError
from portal.forms import parse_whole_number
from portal.inventory.availability import DEFAULT_LOCATIONS, MAX_SKUS, availability
from portal.inventory.status import Channel
from portal.locations.directory import location_directory

COUNTRY = re.compile(r"^[A-Za-z]{2}$")
POSTCODE = re.compile(r"^[A-Za-z0-9 -]{2,10}$")
MAX_LOCATIONS = 500


class BadQuery(DomainError):
    code = "invalid"
    status = 400


def _query() -> dict:
    skus = [s.strip() for s in request.args.getlist("sku") if s.strip()]
    errors = {}
    if not skus:
        errors["sku"] = "Give at least one sku parameter, e.g. ?sku=SNK-10001."
    elif len(skus) > MAX_SKUS:
        errors["sku"] = f"At most {MAX_SKUS} SKUs per call."
    country = request.args.get("country")
    if country is not None and not COUNTRY.match(country):
        errors["country"] = "Two-letter ISO country code, e.g. DE."
    postcode = request.args.get("postcode")
    if postcode is not None and not POSTCODE.match(postcode):
        errors["postcode"] = "A postcode of 2-10 letters or digits."
    limit = parse_whole_number(request.args.get("limit", str(DEFAULT_LOCATIONS)))
    if limit is None or not 1 <= limit <= MAX_LOCATIONS:
        errors["limit"] = f"Locations per SKU: 1 to {MAX_LOCATIONS}."
    channel = request.args.get("channel", Channel.WEB)
    if channel not in set(Channel):
        errors["channel"] = f"One of: {', '.join(Channel)}."
    location = request.args.get("location")
    if location is not None and not any(place.code == location.upper()
                                        for place in location_directory().values()):
        errors["location"] = f"No location with the code {location!r}."
    if errors:
        raise BadQuery("The query is not valid.", fields=errors)
    return {"skus": skus, "country": country, "postcode": postcode, "channel": channel,
            "location": location, "limit": limit}


@bp.get("/availability")
@require_scope(ApiScope.AVAILABILITY_READ)
def get_availability():
    """Per SKU: total available, the best ``limit`` locations (default 20) and incoming
    stock; unknown SKUs are listed under ``unknown``."""
    query = _query()
    results, unknown = availability(query.pop("skus"), **query)
    return jsonify({"skus": [r.as_dict() for r in results], "unknown": unknown,
                    "channel": query["channel"]})
