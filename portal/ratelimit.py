"""Rate limits (flask-limiter): login attempts and public tracking per client address,
the JSON API per API key.

The counters live in ``RATELIMIT_STORAGE_URI``: ``memory://`` (the default) counts per
worker process, so with N gunicorn workers a client may get up to N times the limit;
production with several workers sets it to a shared store such as
``redis://localhost:6379/0`` (the ``redis`` package must then be installed). The limits
themselves are config values (``RATELIMIT_LOGIN``, ``RATELIMIT_API``,
``RATELIMIT_TRACKING``) read on every request, in the limits notation ("10 per minute",
"600/minute;20/second"). A limit that is hit answers 429 with ``Retry-After``: the JSON
error under /api, the portal's error page elsewhere.
"""

from __future__ import annotations

import time

from flask import Blueprint, Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address

DEFAULT_LIMITS = {
    "RATELIMIT_LOGIN": "10 per minute",
    "RATELIMIT_API": "600 per minute",
    "RATELIMIT_TRACKING": "60 per minute",
}

limiter = Limiter(key_func=get_remote_address, default_limits=[],
                  strategy="moving-window")


def _configured(name: str):
    def value() -> str:
        return current_app.config.get(name) or DEFAULT_LIMITS[name]

    return value


login_limit = _configured("RATELIMIT_LOGIN")
api_limit = _configured("RATELIMIT_API")
tracking_limit = _configured("RATELIMIT_TRACKING")


def api_client_key() -> str:
    """The bucket of an API call: the public prefix of its bearer key (``oms_<prefix>_…``;
    never the secret), else the client's address."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    parts = token.strip().split("_")
    if scheme.lower() == "bearer" and len(parts) >= 3 and parts[1]:
        return f"key:{parts[1][:16]}"
    return f"ip:{get_remote_address()}"


def _retry_after() -> int:
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, int(current.reset_at - time.time()) + 1)


def init_rate_limits(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    for name, value in DEFAULT_LIMITS.items():
        app.config.setdefault(name, value)
    limiter.init_app(app)

    @app.errorhandler(RateLimitExceeded)
    def too_many_requests(error):
        from portal.errorpages import _render as render_error

        response = app.make_response(render_error(429))
        response.headers["Retry-After"] = str(_retry_after())
        return response


def limit_api(blueprint: Blueprint) -> None:
    """The API's limit, counted per API key over all its endpoints."""
    limiter.shared_limit(api_limit, scope="api", key_func=api_client_key)(blueprint)


def limit_public_tracking(blueprint: Blueprint) -> None:
    """Public tracking pages and JSON, counted per client address: this also slows
    anyone walking sequential tracking numbers. One budget over the pages and the JSON."""
    limiter.shared_limit(tracking_limit, scope="tracking")(blueprint)
