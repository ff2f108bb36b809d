"""Users who log in to the portal, their failed logins, and API keys for machines."""

from __future__ import annotations

import hmac
import secrets

import peewee as pw
from flask_login import UserMixin

from portal.auth.roles import STORE_SCOPED_ROLES, Role
from portal.db import BaseModel, utcnow
from portal.locations.models import Location


def new_session_token() -> str:
    """A fresh random token; replacing a user's token ends all their sessions."""
    return secrets.token_urlsafe(24)


class User(UserMixin, BaseModel):
    """A person: role decides the screens, ``home_store`` scopes an employee's data.

    ``session_token`` is part of the id flask-login keeps in the session and the
    remember-me cookie; a new password or deactivation replaces it, which ends every
    session the user had.
    """

    email = pw.CharField(max_length=160, unique=True)
    name = pw.CharField(max_length=120)
    password_hash = pw.CharField(max_length=200)
    role = pw.CharField(max_length=16, choices=[(r.value, r.value) for r in Role])
    home_store = pw.ForeignKeyField(Location, null=True, backref="staff", on_delete="RESTRICT")
    language = pw.CharField(max_length=5, default="en")
    active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField(default=utcnow)
    last_login_at = pw.DateTimeField(null=True)
    session_token = pw.CharField(max_length=64, default=new_session_token)

    class Meta:
        table_name = "app_user"  # "user" is a reserved word in PostgreSQL

    def get_id(self) -> str:
        """The id flask-login stores: valid only while the session token is unchanged."""
        return f"{self.id}:{self.session_token}"

    def has_session_token(self, token: str) -> bool:
        return hmac.compare_digest(self.session_token.encode(), token.encode())

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return self.active

    @property
    def is_store_scoped(self) -> bool:
        return self.role in STORE_SCOPED_ROLES

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def can_see_location(self, location: Location) -> bool:
        """Employees see their own store only; every other role sees all locations."""
        if self.is_store_scoped:
            return self.home_store_id == location.id
        return True


class LoginFailure(BaseModel):
    """A failed login; recent failures per e-mail or per address lock further attempts."""

    email = pw.CharField(max_length=160, index=True)
    remote_addr = pw.CharField(max_length=64, default="")
    at = pw.DateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("remote_addr", "at"), False),)


class ApiKey(BaseModel):
    """A machine credential. Only a SHA-256 digest of the secret is stored.

    The key is ``oms_<prefix>_<secret>``; the prefix finds the row, the digest
    proves the secret. Secrets are 256 random bits, so a fast hash is safe here.
    """

    name = pw.CharField(max_length=80)
    prefix = pw.CharField(max_length=16, unique=True)
    key_hash = pw.CharField(max_length=64)
    scopes = pw.CharField(max_length=300, default="")
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)
    last_used_at = pw.DateTimeField(null=True)
    revoked_at = pw.DateTimeField(null=True)
    # The one-time id of the form that created the key: a resent form finds it here.
    creation_request = pw.CharField(max_length=64, null=True, unique=True)

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


MODELS = [User, LoginFailure, ApiKey]
