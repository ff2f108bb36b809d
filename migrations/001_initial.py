"""Initial schema: locations, products, stock levels, ledger, incoming stock, users,
login failures, API keys and the audit trail."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create every table of the first release."""
    @migrator.create_model
    class Location(pw.Model):
        id = pw.AutoField()
        code = pw.CharField(max_length=16, unique=True)
        name = pw.CharField(max_length=120)
        kind = pw.CharField(index=True, max_length=16)
        street = pw.CharField(default='', max_length=160)
        postcode = pw.CharField(default='', max_length=16)
        city = pw.CharField(default='', max_length=80)
        country = pw.CharField(default='DE', max_length=2)
        latitude = pw.DoubleField(null=True)
        longitude = pw.DoubleField(null=True)
        email = pw.CharField(default='', max_length=160)
        phone = pw.CharField(default='', max_length=40)
        ships = pw.BooleanField(default=False)
        click_collect = pw.BooleanField(default=False)
        locker_pickup = pw.BooleanField(default=False)
        accepts_returns = pw.BooleanField(default=False)
        daily_capacity = pw.IntegerField(null=True)
        priority = pw.IntegerField(default=100)
        active = pw.BooleanField(default=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "location"

    @migrator.create_model
    class User(pw.Model):
        id = pw.AutoField()
        email = pw.CharField(max_length=160, unique=True)
        name = pw.CharField(max_length=120)
        password_hash = pw.CharField(max_length=200)
        role = pw.CharField(max_length=16)
        home_store = pw.ForeignKeyField(column_name='home_store_id', field='id', model=migrator.orm['location'], null=True, on_delete='RESTRICT')
        language = pw.CharField(default='en', max_length=5)
        active = pw.BooleanField(default=True)
        created_at = pw.DateTimeField()
        last_login_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "app_user"

    @migrator.create_model
    class ApiKey(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(max_length=80)
        prefix = pw.CharField(max_length=16, unique=True)
        key_hash = pw.CharField(max_length=64)
        scopes = pw.CharField(default='', max_length=300)
        created_by = pw.ForeignKeyField(column_name='created_by_id', field='id', model=migrator.orm['app_user'], null=True, on_delete='SET NULL')
        created_at = pw.DateTimeField()
        last_used_at = pw.DateTimeField(null=True)
        revoked_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "api_key"

    @migrator.create_model
    class AuditEvent(pw.Model):
        id = pw.AutoField()
        at = pw.DateTimeField(index=True)
        user_id = pw.IntegerField(index=True, null=True)
        actor = pw.CharField(default='', max_length=160)
        action = pw.CharField(index=True, max_length=60)
        object_type = pw.CharField(default='', max_length=40)
        object_id = pw.CharField(default='', max_length=60)
        detail = pw.TextField(default='')

        class Meta:
            table_name = "audit_event"

    @migrator.create_model
    class Product(pw.Model):
        id = pw.AutoField()
        sku = pw.CharField(max_length=40, unique=True)
        ean = pw.CharField(max_length=14, null=True, unique=True)
        name = pw.CharField(index=True, max_length=200)
        brand = pw.CharField(default='', index=True, max_length=80)
        category = pw.CharField(default='', index=True, max_length=80)
        price = pw.DecimalField(auto_round=False, decimal_places=2, max_digits=10)
        weight_grams = pw.IntegerField(default=0)
        image_url = pw.CharField(default='', max_length=300)
        tags = pw.CharField(default='', max_length=200)
        active = pw.BooleanField(default=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "product"

    @migrator.create_model
    class IncomingStock(pw.Model):
        id = pw.AutoField()
        product = pw.ForeignKeyField(column_name='product_id', field='id', model=migrator.orm['product'], on_delete='CASCADE')
        location = pw.ForeignKeyField(column_name='location_id', field='id', model=migrator.orm['location'], on_delete='CASCADE')
        quantity = pw.IntegerField(constraints=[pw.Check("quantity > 0")])
        expected_on = pw.DateField(index=True)
        source = pw.CharField(max_length=16)
        reference = pw.CharField(default='', max_length=80)
        status = pw.CharField(default='open', index=True, max_length=12)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "incoming_stock"
            indexes = [(('location', 'status', 'expected_on'), False)]

    @migrator.create_model
    class LoginFailure(pw.Model):
        id = pw.AutoField()
        email = pw.CharField(index=True, max_length=160)
        remote_addr = pw.CharField(default='', max_length=64)
        at = pw.DateTimeField(index=True)

        class Meta:
            table_name = "login_failure"

    @migrator.create_model
    class StockLevel(pw.Model):
        id = pw.AutoField()
        product = pw.ForeignKeyField(column_name='product_id', field='id', model=migrator.orm['product'], on_delete='CASCADE')
        location = pw.ForeignKeyField(column_name='location_id', field='id', model=migrator.orm['location'], on_delete='CASCADE')
        on_hand = pw.IntegerField(default=0, constraints=[pw.Check("on_hand >= 0")])
        reserved = pw.IntegerField(default=0, constraints=[pw.Check("reserved >= 0")])
        safety_stock = pw.IntegerField(default=0, constraints=[pw.Check("safety_stock >= 0")])
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "stock_level"
            indexes = [(('product', 'location'), True), (('location', 'product'), False)]

    @migrator.create_model
    class StockMovement(pw.Model):
        id = pw.AutoField()
        at = pw.DateTimeField(index=True)
        product = pw.ForeignKeyField(column_name='product_id', field='id', model=migrator.orm['product'], on_delete='RESTRICT')
        location = pw.ForeignKeyField(column_name='location_id', field='id', model=migrator.orm['location'], on_delete='RESTRICT')
        kind = pw.CharField(index=True, max_length=16)
        on_hand_delta = pw.IntegerField(default=0)
        reserved_delta = pw.IntegerField(default=0)
        safety_delta = pw.IntegerField(default=0)
        reason = pw.CharField(default='', max_length=200)
        reference = pw.CharField(default='', index=True, max_length=80)
        user_id = pw.IntegerField(null=True)

        class Meta:
            table_name = "stock_movement"
            indexes = [(('location', 'at'), False), (('product', 'at'), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop them again, dependants first."""
    migrator.remove_model('stock_movement')
    migrator.remove_model('stock_level')
    migrator.remove_model('login_failure')
    migrator.remove_model('incoming_stock')
    migrator.remove_model('product')
    migrator.remove_model('audit_event')
    migrator.remove_model('api_key')
    migrator.remove_model('app_user')
    migrator.remove_model('location')
