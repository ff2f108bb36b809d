"""Helpers for URLs that come from the request."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

# Browsers drop tabs and newlines from URLs and read "\" as "/", so "/\t/evil.example"
# becomes "//evil.example": any control character, whitespace or backslash is refused.
_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\\]|\s")
_DECODE_ROUNDS = 3


def _is_local_path(target: str) -> bool:
    """A path on this site: one leading "/", no scheme, no host, nothing a browser rewrites."""
    if _UNSAFE_CHARS.search(target):
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not (parts.scheme or parts.netloc)


def _decoded_path_stays_local(target: str) -> bool:
    """A proxy or framework that decodes the path again must not find "//host" in it."""
    path = urlsplit(target).path
    for _ in range(_DECODE_ROUNDS):
        decoded = unquote(path)
        squeezed = re.sub(r"[\x00-\x1f\x7f-\x9f]|\s", "", decoded).replace("\\", "/")
        if squeezed.startswith("//"):
            return False
        if decoded == path:
            break
        path = decoded
    return True


def safe_next(target: str | None, fallback: str) -> str:
    """Follow ``target`` only when it is a path on this site (no open redirect)."""
    if isinstance(target, str) and _is_local_path(target) and _decoded_path_stays_local(target):
        return target
    return fallback
