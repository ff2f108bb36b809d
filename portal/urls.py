"""Helpers for URLs that come from the request."""

from __future__ import annotations


def safe_next(target: str | None, fallback: str) -> str:
    """Follow ``target`` only when it is a path on this site (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return fallback
