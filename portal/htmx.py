"""The one place that knows htmx-flask: request detection and response headers."""

from __future__ import annotations

from flask import Response, request
from htmx_flask import Htmx
from htmx_flask import make_response as _htmx_response

htmx = Htmx()


def is_htmx() -> bool:
    """True when the request came from htmx (and wants a fragment)."""
    return bool(getattr(request, "htmx", False))


def is_boosted() -> bool:
    """True for hx-boost navigation, which wants the whole page."""
    return bool(is_htmx() and request.headers.get("HX-Boosted"))


def wants_fragment() -> bool:
    """A targeted htmx request gets only the partial; a boosted page load and htmx's
    history restore (after a back-button cache miss) get the whole page."""
    return (is_htmx() and not is_boosted()
            and not request.headers.get("HX-History-Restore-Request"))


def with_trigger(body, event: str | dict, status: int = 200) -> Response:
    """A response that also fires ``event`` on the client (HX-Trigger)."""
    return _htmx_response(body, status, trigger=event)


def htmx_redirect(url: str) -> Response:
    """Tell htmx to load ``url`` as a full page."""
    return _htmx_response("", 204, redirect=url)
