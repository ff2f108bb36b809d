"""Security headers for every response, a guard against NUL bytes and JSON that cannot
be parsed safely."""

from __future__ import annotations

from flask import Flask, abort, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import MultiDict

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
])


def _has_nul(values) -> bool:
    return any("\x00" in value for value in values)


def _all_values(values: MultiDict) -> list[str]:
    return [value for _key, value in values.items(multi=True)]


def _json_has_nul(value) -> bool:
    """Whether a parsed JSON body holds a NUL byte in any string, key or value."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_json_has_nul(key) or _json_has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_json_has_nul(item) for item in value)
    return False


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, but a body nested too deep for the parser is bad JSON (400, or
    None for ``get_json(silent=True)``) like any other, not a RecursionError (500)."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("The JSON is nested too deeply.") from None


def init_security(app: Flask) -> None:
    app.json = JSONProvider(app)
    @app.before_request
    def refuse_nul_bytes():
        """NUL bytes in text input are never legitimate and PostgreSQL cannot store them:
        refuse the whole request with 400 before anything reads it."""
        # Every value of a repeated parameter (``?sku=a&sku=b``), not only the first.
        if "\x00" in request.path or _has_nul(_all_values(request.args)) \
                or _has_nul(request.args.keys()) or (
                request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
                and _has_nul(_all_values(request.form))) or (
                request.is_json and _json_has_nul(request.get_json(silent=True))):
            abort(400)

    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith("/api/") or (
            response.mimetype == "text/html" and not request.path.startswith("/static/")
        ):
            headers.setdefault("Cache-Control", "no-store")
        # htmx caches fragments by URL; Vary keeps page and fragment apart.
        headers.add("Vary", "HX-Request")
        return response
