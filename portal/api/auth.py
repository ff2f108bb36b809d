"""Bearer API keys for machines (web shop, WMS, marketplace)."""

from __future__ import annotations

from functools import wraps

from flask import g, request

from portal.auth.services import find_api_key, touch_api_key
from portal.errors import DomainError


class ApiAuthError(DomainError):
    code = "unauthorized"
    status = 401


class ApiScopeError(DomainError):
    code = "forbidden"
    status = 403


def authenticate_api_request() -> None:
    """Resolve ``Authorization: Bearer KEY`` into ``g.api_key`` or raise 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiAuthError("Missing API key: send 'Authorization: Bearer <key>'.")
    key = find_api_key(token.strip())
    if key is None:
        raise ApiAuthError("Invalid or revoked API key.")
    touch_api_key(key)
    g.api_key = key


def require_scope(scope: str):
    """Refuse the call with 403 unless the calling key has ``scope``."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if scope not in g.api_key.scope_list:
                raise ApiScopeError(f"This API key lacks the scope '{scope}'.")
            return view(*args, **kwargs)

        return wrapped

    return decorator
