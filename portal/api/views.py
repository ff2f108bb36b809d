"""The JSON API under /api/v1, for machines with API keys; and a health check."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from portal.api.auth import authenticate_api_request
from portal.db import db
from portal.forms import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # machines authenticate with bearer keys, not cookies
health_bp = Blueprint("health", __name__)


@bp.before_request
def _authenticate():
    authenticate_api_request()


@bp.get("/whoami")
def whoami():
    """The calling key's name and scopes: a cheap way for a client to test its key."""
    key = g.api_key
    return jsonify({"name": key.name, "scopes": key.scope_list, "prefix": key.prefix})


@health_bp.get("/healthz")
def healthz():
    """For load balancers: 200 when the database answers, else 503."""
    try:
        db.execute_sql("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok"})
