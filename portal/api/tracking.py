"""``GET /api/v1/tracking/{token}``: the public tracking page as JSON, for the web shop's
"where is my order" page.

No API key: like the page, the order's tracking token (192 random bits) is the secret,
so this blueprint stands outside the key-checked ``api`` one (as the payment webhooks
do). An unknown or malformed token answers one and the same 404, so the answer tells
nothing about which tokens exist; errors keep the API's JSON form.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from portal.errors import NotFound
from portal.orders.tracking import find_order, tracking_json, tracking_of

public_bp = Blueprint("public_api", __name__, url_prefix="/api/v1")


@public_bp.get("/tracking/<token>")
def tracking(token: str):
    order = find_order(token)
    if order is None:
        raise NotFound("No order has this tracking token.")
    response = jsonify(tracking_json(tracking_of(order)))
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
