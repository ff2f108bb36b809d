"""Password hashing with argon2id (argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

_DEFAULT = PasswordHasher()
# Tests create many users; the cheapest argon2 parameters keep them quick.
_FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

MIN_PASSWORD_LENGTH = 8


def _hasher() -> PasswordHasher:
    return _FAST if current_app and current_app.config.get("ARGON2_FAST") else _DEFAULT


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verifying against this keeps the time of "unknown user" equal to "wrong password".
_DUMMY_HASH = _DEFAULT.hash("not-a-real-password")


def burn_verification() -> None:
    verify_password(_DUMMY_HASH, "not-the-password")
