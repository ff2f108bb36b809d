"""Auth hardening: a session token per user, a one-time creation id per API key and an
index for throttling logins per remote address.

Every existing user gets its own random session token (one shared default would let
the rows start equal); sessions from before this migration end once.
"""

import secrets

import peewee as pw
from peewee_migrate import Migrator


def _give_every_user_a_token(user_model) -> None:
    for user_id in [row.id for row in user_model.select(user_model.id)]:
        (user_model.update(session_token=secrets.token_urlsafe(24))
         .where(user_model.id == user_id).execute())


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add app_user.session_token, api_key.creation_request, login_failure(remote_addr, at)."""
    user = migrator.add_fields("app_user", session_token=pw.CharField(max_length=64, default=""))
    migrator.run(_give_every_user_a_token, user)
    migrator.add_fields("api_key", creation_request=pw.CharField(max_length=64, null=True,
                                                                 unique=True))
    migrator.add_index("login_failure", "remote_addr", "at")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop them again."""
    migrator.drop_index("login_failure", "remote_addr", "at")
    migrator.remove_fields("api_key", "creation_request")
    migrator.remove_fields("app_user", "session_token")
