"""The base of every domain error: a message a person can read, optional field errors."""

from __future__ import annotations


class DomainError(Exception):
    """Raised by services; views show ``message`` and the API returns it as JSON.

    ``code`` is the machine-readable error code of the JSON API, ``status`` its
    HTTP status, ``fields`` maps input names to messages.
    """

    code = "invalid"
    status = 422

    def __init__(self, message: str, *, fields: dict[str, str] | None = None,
                 code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code
        if status:
            self.status = status


class NotFound(DomainError):
    code = "not_found"
    status = 404
