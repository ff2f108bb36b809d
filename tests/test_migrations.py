"""The schema comes from migrations only, and matches the models."""

from __future__ import annotations

import peewee

from portal.db import all_models, bind_database, db, migration_router, upgrade_database


def test_the_session_database_was_migrated_from_empty_and_has_no_pending_migration(ctx):
    assert list(migration_router().diff) == []
    tables = set(db.get_tables())
    for model in all_models():
        assert model._meta.table_name in tables


def test_every_model_column_exists_in_the_migrated_schema(ctx):
    for model in all_models():
        columns = {c.name for c in db.get_columns(model._meta.table_name)}
        expected = {field.column_name for field in model._meta.sorted_fields}
        assert expected <= columns, (model.__name__, expected - columns)


def test_migrations_apply_on_an_empty_sqlite_file(app, tmp_path):
    original = db.obj
    try:
        fresh = bind_database(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
        applied = upgrade_database()
        assert applied[0] == "001_initial"
        assert "stock_level" in fresh.get_tables()
        assert fresh.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert fresh.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        assert upgrade_database() == []  # a second run applies nothing
        fresh.close()
    finally:
        db.initialize(original)


def test_stock_levels_refuse_negative_quantities_at_the_database(ctx, stores):
    from decimal import Decimal

    from portal.inventory.models import Product, StockLevel

    product = Product.create(sku="X-1", name="Thing", price=Decimal("1.00"))
    level = StockLevel.create(product=product, location=stores["BER"], on_hand=1)
    try:
        with db.atomic():
            StockLevel.update(on_hand=StockLevel.on_hand - 2).where(
                StockLevel.id == level.id).execute()
    except peewee.IntegrityError:
        pass
    else:
        raise AssertionError("the CHECK constraint did not stop a negative on_hand")
    assert StockLevel.get_by_id(level.id).on_hand == 1


def test_migrations_apply_on_an_empty_database_of_the_backend_under_test(app, tmp_path):
    """SQLite: a new file. PostgreSQL: a new, empty schema on the test server."""
    original = db.obj
    url = app.config["DATABASE_URL"]
    schema = "migration_probe"
    if url.startswith("sqlite"):
        fresh = bind_database(f"sqlite:///{tmp_path / 'probe.sqlite3'}")
    else:
        original.execute_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        original.execute_sql(f"CREATE SCHEMA {schema}")
        fresh = peewee.PostgresqlDatabase(original.database, **{
            **original.connect_params, "options": f"-c search_path={schema}"})
        db.initialize(fresh)
    try:
        assert fresh.get_tables() == []
        assert upgrade_database()[0] == "001_initial"
        assert {m._meta.table_name for m in all_models()} <= set(fresh.get_tables())
    finally:
        fresh.close()
        db.initialize(original)
        if not url.startswith("sqlite"):
            original.execute_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def test_a_movement_needs_its_product_and_location_and_on_postgresql_its_stock_level(
        ctx, stores):
    """Migration 029 keys PostgreSQL's ledger to the stock level; SQLite keeps the keys to
    product and location. Either way no movement of an unknown product is stored."""
    from decimal import Decimal

    from portal.db import is_sqlite, utcnow
    from portal.inventory.models import Product, StockLevel, StockMovement

    product = Product.create(sku="X-1", name="Thing", price=Decimal("1.00"))
    row = {"at": utcnow(), "product": product.id, "location": stores["BER"].id,
           "kind": "adjustment", "on_hand_delta": 1}
    for refused in ([{**row, "product": product.id + 1000}] +
                    ([] if is_sqlite() else [row])):
        try:
            with db.atomic():
                StockMovement.insert(refused).execute()
        except peewee.IntegrityError:
            continue
        raise AssertionError(f"the ledger took a movement without its key: {refused}")
    StockLevel.create(product=product, location=stores["BER"], on_hand=1)
    StockMovement.insert(row).execute()
    assert StockMovement.select().count() == 1
