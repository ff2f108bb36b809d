"""Error pages in the portal's style, JSON errors under /api."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.errors import DomainError
from portal.htmx import wants_fragment

log = logging.getLogger(__name__)

API_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
             405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
             415: "unsupported_media_type", 422: "invalid", 429: "too_many_requests",
             500: "server_error"}


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Please check your input and try again."),
        401: _("You need to log in for this."),
        403: _("You do not have permission to open this page."),
        404: _("This page does not exist, or it is not visible to you."),
        405: _("This action is not allowed here."),
        413: _("The upload is too large."),
        429: _("Too many requests. Please wait a moment."),
        500: _("Something went wrong on our side. The error has been logged."),
    }


def api_error(status: int, message: str, code: str | None = None,
              fields: dict | None = None):
    """A JSON error as in DESIGN.md: {"error": {"code", "message", "fields"}}."""
    body = {"error": {"code": code or API_CODES.get(status, "error"), "message": message,
                      "fields": fields or {}}}
    return jsonify(body), status


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _render(status: int, message: str | None = None):
    message = message or _messages().get(status) or _("Error")
    if _is_api():
        return api_error(status, message)
    try:
        if wants_fragment():
            # An htmx request aimed at a small target (a table row, a panel): show the
            # error in place of the page content, not squeezed into that target.
            card = render_template("errors/_error_card.html", status=status, message=message)
            return card, status, {"HX-Retarget": "#main", "HX-Reswap": "innerHTML"}
        return render_template("errors/error.html", status=status, message=message), status
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        log.exception("Error page %s could not be rendered", status)
        return f"<!doctype html><title>{status}</title><h1>{escape(message)}</h1>", status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, _("The form expired or was sent from elsewhere. Reload the page "
                              "and try again."))

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        if _is_api():
            return api_error(error.status, error.message, error.code, error.fields)
        return _render(error.status, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return _render(error.code)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return _render(InternalServerError.code)
