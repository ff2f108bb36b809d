"""HMAC-SHA256 webhook signatures in the common ``t=<unix time>,v1=<hex>`` form, signed
over ``"<t>.<body>"``; verification checks the time against a tolerance (replays of
old events fail) and compares in constant time."""

from __future__ import annotations

import hashlib
import hmac
import time

TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """The signature is missing, malformed, wrong or too old."""


def sign(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The signature header value for ``body``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(header: str, body: bytes, secret: str, now: float | None = None,
           tolerance: int = TOLERANCE_SECONDS) -> None:
    """Raise SignatureError unless ``header`` signs ``body`` with ``secret`` recently."""
    parts = dict(part.split("=", 1) for part in (header or "").split(",") if "=" in part)
    timestamp, signature = parts.get("t", ""), parts.get("v1", "")
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12 \
            or not signature:  # 12 digits reach the year 33658; int() refuses over 4300
        raise SignatureError("Missing or malformed signature header.")
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > tolerance:
        raise SignatureError("The signature timestamp is outside the tolerance.")
    expected = sign(body, secret, int(timestamp)).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, signature):
        raise SignatureError("The signature does not match.")
