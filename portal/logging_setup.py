"""Structured logs, opt-in: ``LOG_FORMAT=json`` (environment or config).

Every log line is then one JSON object (``time``, ``level``, ``logger``, ``message``,
``request_id`` inside a request, ``exc`` with a traceback), and each request writes one
line on the ``portal.request`` logger with ``request_id``, ``method``, ``path``,
``status``, ``duration_ms``, ``user_id`` (a logged-in portal user) and ``api_key_id`` (a
machine key). The request id is the caller's ``X-Request-Id`` (a load balancer's or a
proxy's, up to 64 safe characters) or a new one, and is answered in ``X-Request-Id``.
Without the setting the plain text lines stay as they were.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

REQUEST_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id",
                  "api_key_id", "remote_addr")
SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
request_log = logging.getLogger("portal.request")


class JsonFormatter(logging.Formatter):
    """One JSON object per record; request fields given as ``extra`` are kept."""

    def format(self, record: logging.LogRecord) -> str:
        data = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(
                    timespec="milliseconds").replace("+00:00", "Z"),
                "level": record.levelname, "logger": record.name,
                "message": record.getMessage()}
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                data[name] = value
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to records logged inside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None and has_request_context():
            record.request_id = g.get("request_id")
        return True


def log_format(app: Flask) -> str:
    return str(app.config.get("LOG_FORMAT") or os.environ.get("LOG_FORMAT") or "text").lower()


def use_json(handler: logging.Handler) -> None:
    handler.setFormatter(JsonFormatter())
    if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
        handler.addFilter(RequestIdFilter())


def init_logging(app: Flask) -> None:
    """With ``LOG_FORMAT=json``: JSON lines on the root logger's console handlers and
    one line per request; otherwise nothing changes."""
    if log_format(app) != "json":
        return
    root = logging.getLogger()
    consoles = [h for h in root.handlers if type(h) is logging.StreamHandler]
    if not consoles:
        consoles = [logging.StreamHandler()]
        root.addHandler(consoles[0])
    for handler in consoles:
        use_json(handler)

    @app.before_request
    def _start_request_log():
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if SAFE_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        started = g.get("request_started")
        user = g.get("_login_user")  # set by Flask-Login once the user was loaded
        api_key = g.get("api_key")
        fields = {
            "request_id": g.get("request_id"), "method": request.method,
            "path": request.path, "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2)
            if started is not None else None,
            "user_id": getattr(user, "id", None) if user is not None else None,
            "api_key_id": getattr(api_key, "id", None), "remote_addr": request.remote_addr}
        request_log.info("%s %s %s", request.method, request.path, response.status_code,
                         extra=fields)
        if g.get("request_id"):
            response.headers["X-Request-Id"] = g.request_id
        return response
