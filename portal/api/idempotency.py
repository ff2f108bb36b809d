"""Idempotency-Key for POSTs that create things (DESIGN.md invariant 4).

The first request with a key records it as in flight (committed at once, so a
concurrent duplicate sees it), runs, and stores its response. The same key with the
same body then gets that response again; with another body, 422; while the first is
still running, 409. Server errors are not stored, so a retry can succeed. The claim
and the stored response are one statement each, committing on their own.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import suppress
from functools import wraps

import peewee as pw
from flask import Response, g, make_response, request

from portal.db import BaseModel, utcnow
from portal.errors import DomainError

HEADER = "Idempotency-Key"


class IdempotencyRecord(BaseModel):
    api_key_id = pw.IntegerField()
    key = pw.CharField(max_length=255)
    request_hash = pw.CharField(max_length=64)
    status_code = pw.IntegerField(null=True)  # None while the first request runs
    response_body = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("api_key_id", "key"), True),)


class IdempotencyError(DomainError):
    pass


def _fingerprint() -> str:
    """The request's method, path and body; a JSON body counts by content, not layout."""
    body = request.get_data()
    with suppress(ValueError, RecursionError):  # not JSON, or nested too deep for it
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(request.method.encode() + request.path.encode() + body).hexdigest()


def idempotent(view):
    """Make a POST view idempotent per API key and ``Idempotency-Key`` header."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            raise IdempotencyError(f"Send an {HEADER} header (any unique string per request).",
                                   code="idempotency_key_missing", status=400)
        if len(key) > 255:
            raise IdempotencyError(f"The {HEADER} is longer than 255 characters.", status=400)
        fingerprint = _fingerprint()
        try:  # one INSERT on its own commits at once (SQLite queues it on the busy timeout)
            record_id = (IdempotencyRecord
                         .insert(api_key_id=g.api_key.id, key=key, request_hash=fingerprint)
                         .execute())
        except pw.IntegrityError:
            return _replay(key, fingerprint)
        try:
            response = view(*args, **kwargs)
        except DomainError as error:
            from portal.errorpages import api_error

            response = api_error(error.status, error.message, error.code, error.fields)
        except Exception:
            IdempotencyRecord.delete().where(IdempotencyRecord.id == record_id).execute()
            raise
        response = _as_response(response)
        if response.status_code >= 500:
            IdempotencyRecord.delete().where(IdempotencyRecord.id == record_id).execute()
        else:
            (IdempotencyRecord.update(status_code=response.status_code,
                                      response_body=response.get_data(as_text=True))
             .where(IdempotencyRecord.id == record_id).execute())
        return response

    return wrapped


def _as_response(result) -> Response:
    return make_response(result)


def _replay(key: str, fingerprint: str):
    record = IdempotencyRecord.get(IdempotencyRecord.api_key_id == g.api_key.id,
                                   IdempotencyRecord.key == key)
    if record.request_hash != fingerprint:
        raise IdempotencyError(f"This {HEADER} was used with a different request body.",
                               code="idempotency_key_reused", status=422)
    if record.status_code is None:
        raise IdempotencyError(f"A request with this {HEADER} is still being processed.",
                               code="request_in_progress", status=409)
    response = Response(record.response_body, status=record.status_code,
                        mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


MODELS = [IdempotencyRecord]
