"""The database: one peewee proxy bound at start-up, per-request connections,
write transactions that take the lock up front, and the migration router.

SQLite runs in WAL mode with foreign keys on; PostgreSQL is used when
DATABASE_URL starts with ``postgresql://`` (psycopg 3).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import peewee
from playhouse.db_url import connect as connect_url

db = peewee.DatabaseProxy()

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 15000,
    "synchronous": "normal",
    "cache_size": -64 * 1024,
}


def utcnow() -> datetime:
    """The current time in UTC without tzinfo, as stored in every timestamp column."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_today() -> date:
    """Today in the portal's time zone (OMS_TIMEZONE), which decides what is late."""
    from flask import current_app, has_app_context

    zone = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return datetime.now(ZoneInfo(zone or "Europe/Berlin")).date()


def open_database(url: str, pool_size: int = 32) -> peewee.Database:
    """Create the peewee database for a URL (sqlite:///path or postgresql://...).

    PostgreSQL connections are pooled per process: opening one costs several
    milliseconds, more than most requests spend on their queries.
    """
    if url.startswith("sqlite:"):
        path = url.removeprefix("sqlite:///")
        if path not in ("", ":memory:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        if path in ("", ":memory:"):
            return peewee.SqliteDatabase(":memory:", pragmas=SQLITE_PRAGMAS,
                                         check_same_thread=False)
        from playhouse.pool import PooledSqliteDatabase

        return PooledSqliteDatabase(path, pragmas=SQLITE_PRAGMAS, check_same_thread=False,
                                    max_connections=pool_size, stale_timeout=300, timeout=10)
    if url.startswith(("postgres://", "postgresql://")):
        pooled = "postgresql+pool://" + url.split("://", 1)[1]
        return connect_url(pooled, max_connections=pool_size, stale_timeout=300, timeout=10)
    raise ValueError(f"Unsupported DATABASE_URL scheme: {url.split(':', 1)[0]!r}")


def bind_database(url: str, pool_size: int = 32) -> peewee.Database:
    """Point the global proxy at the database for ``url`` and return it."""
    database = open_database(url, pool_size)
    db.initialize(database)
    return database


def is_sqlite() -> bool:
    return isinstance(db.obj, peewee.SqliteDatabase)


@contextmanager
def transaction():
    """A write transaction.

    On SQLite it starts with ``BEGIN IMMEDIATE`` so that two writers queue on the
    busy timeout instead of failing when a reader upgrades to a writer. Nested
    calls become savepoints.
    """
    if is_sqlite() and not db.in_transaction():
        with db.atomic("IMMEDIATE") as txn:
            yield txn
    else:
        with db.atomic() as txn:
            yield txn


def serialize_on(key: str) -> None:
    """Inside a transaction: wait until no other transaction holds ``key`` (PostgreSQL's
    advisory transaction lock, released at commit). SQLite's write transaction already
    serialises writers, so there it does nothing. For check-then-insert steps that no
    unique index can guard."""
    if not is_sqlite():
        db.execute_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,))


class BaseModel(peewee.Model):
    """Base of every model: bound to the proxy, ``created_at`` in UTC."""

    class Meta:
        database = db
        legacy_table_names = False


def migration_router():
    """The peewee-migrate router over ``migrations/``."""
    from peewee_migrate import Router

    return Router(db, migrate_dir=MIGRATIONS_DIR, ignore=["basemodel"])


def upgrade_database() -> list[str]:
    """Apply every pending migration; return the names applied."""
    router = migration_router()
    pending = list(router.diff)
    router.run()
    return pending


def all_models() -> list[type[peewee.Model]]:
    """Every model in dependency order (used for the initial migration and test cleanup)."""
    from portal.api.idempotency import MODELS as api_models
    from portal.audit.models import MODELS as audit_models
    from portal.auth.models import MODELS as auth_models
    from portal.feeds.models import MODELS as feed_models
    from portal.fulfilment.models import MODELS as fulfilment_models
    from portal.inventory.models import MODELS as inventory_models
    from portal.jobs.models import MODELS as job_models
    from portal.locations.models import MODELS as location_models
    from portal.marketplace.models import MODELS as marketplace_models
    from portal.notifications.models import MODELS as notification_models
    from portal.orders.models import MODELS as order_models
    from portal.payments.models import MODELS as payment_models
    from portal.returns.models import MODELS as return_models
    from portal.shipping.models import MODELS as shipping_models
    from portal.sourcing.models import MODELS as sourcing_models
    from portal.suppliers.models import MODELS as supplier_models

    return peewee.sort_models([*location_models, *inventory_models, *auth_models, *audit_models,
                               *order_models, *api_models, *payment_models,
                               *notification_models, *supplier_models, *sourcing_models,
                               *fulfilment_models, *shipping_models, *return_models,
                               *feed_models, *job_models, *marketplace_models])
