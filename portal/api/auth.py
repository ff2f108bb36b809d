"""Bearer API keys for machines (web shop, WMS, marketplace).

A worker remembers a key it has verified for ``API_KEY_CACHE_SECONDS`` (default 5), so
a busy client costs no key lookup per request. A revoked key (or one whose scopes
changed) is therefore refused by every worker at most that many seconds later; set it
to 0 to look every request up. The cache is keyed by the SHA-256 of the secret (never
the secret itself), holds only keys that were valid, and is per database. A key's use
is recorded when it is looked up, so ``last_used_at`` may lag by that time too.
"""

from __future__ import annotations

import hashlib
import threading
from functools import wraps
from time import monotonic

from flask import current_app, g, request

from portal.auth.models import ApiKey
from portal.auth.services import find_api_key, touch_api_key
from portal.db import db
from portal.errors import DomainError

DEFAULT_CACHE_SECONDS = 5.0
CACHE_LIMIT = 1024  # distinct keys per worker; more than any installation has

_lock = threading.Lock()
_verified: dict[tuple[object, str], tuple[float, ApiKey]] = {}  # (db, digest) → (until, key)


class ApiAuthError(DomainError):
    code = "unauthorized"
    status = 401


class ApiScopeError(DomainError):
    code = "forbidden"
    status = 403


def _verified_key(token: str) -> ApiKey | None:
    """The active key for ``token``: from this worker's short-lived cache, else looked
    up (and its use recorded, at most once a minute as ``touch_api_key`` decides)."""
    ttl = current_app.config.get("API_KEY_CACHE_SECONDS", DEFAULT_CACHE_SECONDS)
    slot = (db.obj, hashlib.sha256(token.encode()).hexdigest())
    now = monotonic()
    cached = _verified.get(slot)
    if cached is not None and cached[0] > now:
        return cached[1]
    key = find_api_key(token)
    if key is None:
        _verified.pop(slot, None)
        return None
    touch_api_key(key)
    if ttl > 0:
        with _lock:
            if len(_verified) >= CACHE_LIMIT:
                _verified.clear()
            _verified[slot] = (now + ttl, key)
    return key


def forget_api_keys() -> None:
    """Drop every remembered key of this worker (after a revocation in this process)."""
    with _lock:
        _verified.clear()


def authenticate_api_request() -> None:
    """Resolve ``Authorization: Bearer KEY`` into ``g.api_key`` or raise 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiAuthError("Missing API key: send 'Authorization: Bearer <key>'.")
    key = _verified_key(token.strip())
    if key is None:
        raise ApiAuthError("Invalid or revoked API key.")
    g.api_key = key


def require_scope(scope: str):
    """Refuse the call with 403 unless the calling key has ``scope``."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if scope not in g.api_key.scope_list:
                raise ApiScopeError(f"This API key lacks the scope '{scope}'.")
            return view(*args, **kwargs)

        wrapped.api_scopes = (str(scope),)  # for the OpenAPI document
        return wrapped

    return decorator
