"""Logging in, managing users and machine API keys. The only writers of auth models."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from peewee import IntegrityError

from portal.audit.services import record_audit
from portal.auth.errors import ApiKeyAlreadyCreated, LoginFailed, LoginLocked, UserInvalid
from portal.auth.models import ApiKey, LoginFailure, User, new_session_token
from portal.auth.passwords import (
    MIN_PASSWORD_LENGTH,
    burn_verification,
    hash_password,
    verify_password,
)
from portal.auth.roles import ApiScope, Role
from portal.db import transaction, utcnow
from portal.errors import NotFound
from portal.locations.models import Location
from portal.locations.status import LocationKind

API_KEY_PREFIX = "oms"


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


# -- logging in ---------------------------------------------------------------

def _lock_remaining(condition, limit: int, window: timedelta) -> timedelta | None:
    """How long a lock lasts when ``limit`` failures matching ``condition`` are recent."""
    recent = (LoginFailure.select(LoginFailure.at)
              .where(condition, LoginFailure.at >= utcnow() - window)
              .order_by(LoginFailure.at.desc())
              .limit(limit))
    times = [row.at for row in recent]
    if len(times) < limit:
        return None
    return times[-1] + window - utcnow()


def login_lock_remaining(email: str, remote_addr: str = "") -> timedelta | None:
    """How long ``email`` or ``remote_addr`` stays locked after too many failures, or None.

    The per-e-mail limit stops guessing one account's password; the per-address limit
    stops one machine from trying a few passwords on many accounts.
    """
    config = current_app.config
    window = timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
    locks = [_lock_remaining(LoginFailure.email == email, config["LOGIN_MAX_FAILURES"], window)]
    if remote_addr:
        locks.append(_lock_remaining(LoginFailure.remote_addr == remote_addr[:64],
                                     config["LOGIN_MAX_FAILURES_PER_IP"], window))
    remaining = [lock for lock in locks if lock is not None]
    return max(remaining) if remaining else None


def _record_login_failure(email: str, remote_addr: str) -> None:
    """Store a failure and forget those older than the lock window (they count no more)."""
    window = timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    LoginFailure.delete().where(LoginFailure.at < utcnow() - window).execute()
    LoginFailure.create(email=email, remote_addr=remote_addr[:64])


def authenticate(email: str, password: str, remote_addr: str = "") -> User:
    """Return the active user with these credentials or raise LoginFailed / LoginLocked.

    Every failure is recorded; after LOGIN_MAX_FAILURES within LOGIN_LOCK_MINUTES
    the e-mail is locked, whether or not the account exists, so the answer does
    not reveal which e-mails are real. LOGIN_MAX_FAILURES_PER_IP failures from one
    remote address lock that address for every e-mail.
    """
    email = normalize_email(email)
    remaining = login_lock_remaining(email, remote_addr)
    if remaining is not None:
        minutes = max(1, int(remaining.total_seconds() // 60) + 1)
        raise LoginLocked(ngettext("Too many failed attempts. Try again in %(num)s minute.",
                                   "Too many failed attempts. Try again in %(num)s minutes.",
                                   minutes))
    user = User.get_or_none(User.email == email)
    if user is None:
        burn_verification()
        ok = False
    else:
        ok = verify_password(user.password_hash, password) and user.active
    with transaction():
        if not ok:
            _record_login_failure(email, remote_addr)
        else:
            LoginFailure.delete().where(LoginFailure.email == email).execute()
            User.update(last_login_at=utcnow()).where(User.id == user.id).execute()
    if not ok:
        raise LoginFailed(str(_l("E-mail or password is wrong.")))
    return user


# -- users ----------------------------------------------------------------------

def _validate_user_fields(email: str, role: str, home_store: Location | None,
                          language: str, password: str | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if "@" not in email or len(email) > 160:
        errors["email"] = str(_l("Enter a valid e-mail address."))
    if role not in set(Role):
        errors["role"] = str(_l("Choose a role."))
    if role == Role.EMPLOYEE and (home_store is None or home_store.kind != LocationKind.STORE):
        errors["home_store"] = str(_l("A store employee needs a home store."))
    if language not in current_app.config["LANGUAGES"]:
        errors["language"] = str(_l("Choose a language."))
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = str(_l("At least %(n)s characters.", n=MIN_PASSWORD_LENGTH))
    return errors


def create_user(*, email: str, name: str, password: str, role: str,
                home_store: Location | None = None, language: str = "en",
                actor: User | None = None) -> User:
    """Create a user with an argon2 password hash; raise UserInvalid on bad input."""
    email = normalize_email(email)
    errors = _validate_user_fields(email, role, home_store, language, password)
    if not name.strip():
        errors["name"] = str(_l("Enter a name."))
    if User.select().where(User.email == email).exists():
        errors["email"] = str(_l("A user with this e-mail exists already."))
    if errors:
        raise UserInvalid(str(_l("The user was not saved.")), fields=errors)
    with transaction():
        user = User.create(email=email, name=name.strip(), password_hash=hash_password(password),
                           role=role, home_store=home_store if role == Role.EMPLOYEE else None,
                           language=language)
        record_audit(actor, "user.created", user, email=email, role=role)
    return user


def update_user(user: User, *, name: str, role: str, home_store: Location | None,
                language: str, active: bool, actor: User) -> User:
    """Change a user's profile, role, store or active flag."""
    errors = _validate_user_fields(user.email, role, home_store, language, None)
    if not name.strip():
        errors["name"] = str(_l("Enter a name."))
    if actor.id == user.id and (role != user.role or not active):
        errors["role"] = str(_l("You cannot change your own role or deactivate yourself."))
    if errors:
        raise UserInvalid(str(_l("The user was not saved.")), fields=errors)
    changes = {"name": name.strip(), "role": role, "language": language, "active": active,
               "home_store": home_store if role == Role.EMPLOYEE else None}
    if user.active and not active:
        changes["session_token"] = new_session_token()  # ends the user's sessions
    with transaction():
        for field, value in changes.items():
            setattr(user, field, value)
        user.save()
        record_audit(actor, "user.updated", user, role=role, active=active,
                     home_store=getattr(changes["home_store"], "code", None))
    return user


def set_password(user: User, password: str, actor: User | None) -> None:
    """Replace a user's password and end all the user's sessions (remember-me included).

    ``user`` gets the new session token too, so a caller changing its own password can
    log itself in again with it.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserInvalid(str(_l("The password was not changed.")),
                          fields={"password": str(_l("At least %(n)s characters.",
                                                     n=MIN_PASSWORD_LENGTH))})
    with transaction():
        user.password_hash = hash_password(password)
        user.session_token = new_session_token()
        (User.update(password_hash=user.password_hash, session_token=user.session_token)
         .where(User.id == user.id).execute())
        record_audit(actor, "user.password_set", user)


def set_language(user: User, language: str) -> None:
    """Remember the user's UI language."""
    if language in current_app.config["LANGUAGES"]:
        with transaction():
            User.update(language=language).where(User.id == user.id).execute()


def get_user(user_id: int) -> User:
    user = User.get_or_none(User.id == user_id)
    if user is None:
        raise NotFound(str(_l("No such user.")))
    return user


# -- API keys -------------------------------------------------------------------

def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(name: str, scopes: list[str], actor: User | None = None,
                   request_id: str | None = None) -> tuple[ApiKey, str]:
    """Create a key and return it with its plain text, which is shown exactly once.

    ``request_id`` is the one-time id of the form that asked for the key: the same id
    again (a reloaded page sending the form twice) raises ApiKeyAlreadyCreated instead
    of making a second key.
    """
    name = name.strip()
    errors = {}
    if not name:
        errors["name"] = str(_l("Enter a name."))
    unknown = set(scopes) - set(ApiScope)
    if unknown or not scopes:
        errors["scopes"] = str(_l("Choose at least one valid scope."))
    if errors:
        raise UserInvalid(str(_l("The API key was not created.")), fields=errors)
    if request_id is not None and _created_by_request(request_id):
        raise _already_created()
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    plain = f"{API_KEY_PREFIX}_{prefix}_{secret}"
    try:
        with transaction():
            key = ApiKey.create(name=name, prefix=prefix, key_hash=_digest(plain),
                                scopes=" ".join(sorted(set(scopes))), created_by=actor,
                                creation_request=request_id)
            record_audit(actor, "api_key.created", key, name=name, scopes=key.scopes)
    except IntegrityError:
        # Two copies of the same form raced each other; the unique column let one win.
        if request_id is not None and _created_by_request(request_id):
            raise _already_created() from None
        raise
    return key, plain


def _created_by_request(request_id: str) -> bool:
    return ApiKey.select().where(ApiKey.creation_request == request_id).exists()


def _already_created() -> ApiKeyAlreadyCreated:
    return ApiKeyAlreadyCreated(str(_l(
        "This form was sent before and its key was created then. The secret of a key is "
        "shown only once and cannot be shown again: if it was not copied, revoke the key "
        "and create a new one.")))


def find_api_key(plain: str) -> ApiKey | None:
    """The active key for this secret, or None. Compares digests in constant time."""
    parts = (plain or "").split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
        return None
    key = ApiKey.get_or_none(ApiKey.prefix == parts[1])
    if key is None or not key.is_active:
        return None
    if not hmac.compare_digest(key.key_hash, _digest(plain)):
        return None
    return key


def touch_api_key(key: ApiKey) -> None:
    """Record use, at most once a minute per key to spare the database."""
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        ApiKey.update(last_used_at=now).where(ApiKey.id == key.id).execute()


def revoke_api_key(key: ApiKey, actor: User) -> None:
    if key.revoked_at is not None:
        return
    with transaction():
        ApiKey.update(revoked_at=utcnow()).where(ApiKey.id == key.id).execute()
        record_audit(actor, "api_key.revoked", key, name=key.name)
