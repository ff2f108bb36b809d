"""Shape checks of JSON bodies shared by the API modules: each returns a clean value or
records a field error (English, like every API message) and returns a blank."""

from __future__ import annotations


def optional_text(value, field: str, errors: dict, limit: int = 160, strip: bool = False) -> str:
    """A string of at most ``limit`` characters, or "" when absent (None)."""
    if value is None:
        return ""
    if strip and isinstance(value, str):
        value = value.strip()
    if not isinstance(value, str) or len(value) > limit:
        errors[field] = f"Text of at most {limit} characters."
        return ""
    return value
