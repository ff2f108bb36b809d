"""Orders: orders, their lines, stock reservations and the event timeline."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create the order tables."""

    @migrator.create_model
    class Order(pw.Model):
        id = pw.AutoField()
        number = pw.CharField(max_length=20, null=True, unique=True)
        tracking_token = pw.CharField(max_length=43, unique=True)
        channel = pw.CharField(index=True, max_length=16)
        status = pw.CharField(default='pending_payment', index=True, max_length=20)
        customer_name = pw.CharField(max_length=120)
        customer_email = pw.CharField(default='', index=True, max_length=160)
        customer_phone = pw.CharField(default='', max_length=40)
        ship_name = pw.CharField(default='', max_length=120)
        ship_street = pw.CharField(default='', max_length=160)
        ship_postcode = pw.CharField(default='', max_length=16)
        ship_city = pw.CharField(default='', max_length=80)
        ship_country = pw.CharField(default='DE', max_length=2)
        delivery_method = pw.CharField(max_length=16)
        pickup_location = pw.ForeignKeyField(column_name='pickup_location_id', field='id', model=migrator.orm['location'], null=True, on_delete='RESTRICT')
        locker_id = pw.CharField(default='', max_length=40)
        store = pw.ForeignKeyField(column_name='store_id', field='id', model=migrator.orm['location'], null=True, on_delete='RESTRICT')
        currency = pw.CharField(default='EUR', max_length=3)
        total = pw.DecimalField(auto_round=False, decimal_places=2, max_digits=12)
        created_by_id = pw.IntegerField(null=True)
        created_at = pw.DateTimeField(index=True)
        updated_at = pw.DateTimeField()
        reserved_until = pw.DateTimeField(index=True, null=True)

        class Meta:
            table_name = "sales_order"

    @migrator.create_model
    class OrderEvent(pw.Model):
        id = pw.AutoField()
        order = pw.ForeignKeyField(column_name='order_id', field='id', model=migrator.orm["sales_order"], on_delete='CASCADE')
        at = pw.DateTimeField()
        kind = pw.CharField(max_length=30)
        from_status = pw.CharField(default='', max_length=20)
        to_status = pw.CharField(default='', max_length=20)
        actor = pw.CharField(default='', max_length=160)
        note = pw.TextField(default='')

        class Meta:
            table_name = "order_event"

    @migrator.create_model
    class OrderLine(pw.Model):
        id = pw.AutoField()
        order = pw.ForeignKeyField(column_name='order_id', field='id', model=migrator.orm["sales_order"], on_delete='CASCADE')
        line_no = pw.IntegerField()
        product = pw.ForeignKeyField(column_name='product_id', field='id', model=migrator.orm['product'], on_delete='RESTRICT')
        quantity = pw.IntegerField(constraints=[pw.Check("quantity > 0")])
        unit_price = pw.DecimalField(auto_round=False, decimal_places=2, max_digits=10)

        class Meta:
            table_name = "order_line"
            indexes = [(('order', 'line_no'), True)]

    @migrator.create_model
    class Reservation(pw.Model):
        id = pw.AutoField()
        line = pw.ForeignKeyField(column_name='line_id', field='id', model=migrator.orm['order_line'], on_delete='CASCADE')
        location = pw.ForeignKeyField(column_name='location_id', field='id', model=migrator.orm['location'], on_delete='RESTRICT')
        quantity = pw.IntegerField(constraints=[pw.Check("quantity > 0")])
        status = pw.CharField(default='active', index=True, max_length=12)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "reservation"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop them again, dependants first."""
    migrator.remove_model("order_event")
    migrator.remove_model("reservation")
    migrator.remove_model("order_line")
    migrator.remove_model("sales_order")
