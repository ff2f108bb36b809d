"""Returns (issue #8): return orders (RMA) with lines and timeline, restock rules, and
transfer orders with their lines."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create return_order, return_line, return_event, restock_rule, transfer_order,
    transfer_line."""

    @migrator.create_model
    class ReturnOrder(pw.Model):
        id = pw.AutoField()
        number = pw.CharField(max_length=20, unique=True, null=True)
        order = pw.ForeignKeyField(column_name="order_id", field="id",
                                   model=migrator.orm["sales_order"], on_delete="CASCADE")
        status = pw.CharField(max_length=12, default="requested", index=True)
        drop_off = pw.CharField(max_length=12)
        location = pw.ForeignKeyField(column_name="location_id", field="id", null=True,
                                      model=migrator.orm["location"], on_delete="RESTRICT")
        reason = pw.CharField(max_length=200, default="")
        created_via = pw.CharField(max_length=12, default="api")
        shipment = pw.ForeignKeyField(column_name="shipment_id", field="id", null=True,
                                      model=migrator.orm["shipment"], on_delete="SET NULL")
        refund_total = pw.DecimalField(max_digits=12, decimal_places=2, default=0)
        created_at = pw.DateTimeField(index=True)
        updated_at = pw.DateTimeField()
        received_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "return_order"

    @migrator.create_model
    class ReturnLine(pw.Model):
        id = pw.AutoField()
        return_order = pw.ForeignKeyField(column_name="return_order_id", field="id",
                                          model=migrator.orm["return_order"],
                                          on_delete="CASCADE")
        order_line = pw.ForeignKeyField(column_name="order_line_id", field="id",
                                        model=migrator.orm["order_line"], on_delete="RESTRICT")
        quantity = pw.IntegerField(constraints=[pw.Check("quantity > 0")])
        reason = pw.CharField(max_length=200, default="")
        condition = pw.CharField(max_length=10, default="")
        disposition = pw.CharField(max_length=10, default="")
        target = pw.ForeignKeyField(column_name="target_id", field="id", null=True,
                                    model=migrator.orm["location"], on_delete="RESTRICT")
        refund_amount = pw.DecimalField(max_digits=12, decimal_places=2, null=True)
        note = pw.CharField(max_length=200, default="")

        class Meta:
            table_name = "return_line"

    @migrator.create_model
    class ReturnEvent(pw.Model):
        id = pw.AutoField()
        return_order = pw.ForeignKeyField(column_name="return_order_id", field="id",
                                          model=migrator.orm["return_order"],
                                          on_delete="CASCADE")
        at = pw.DateTimeField()
        kind = pw.CharField(max_length=30)
        note = pw.TextField(default="")
        actor = pw.CharField(max_length=160, default="")

        class Meta:
            table_name = "return_event"

    @migrator.create_model
    class RestockRule(pw.Model):
        id = pw.AutoField()
        position = pw.IntegerField()
        name = pw.CharField(max_length=80)
        conditions = pw.CharField(max_length=60, default="")
        categories = pw.CharField(max_length=400, default="")
        action = pw.CharField(max_length=10)
        active = pw.BooleanField(default=True)
        updated_at = pw.DateTimeField()
        updated_by = pw.CharField(max_length=160, default="")

        class Meta:
            table_name = "restock_rule"

    @migrator.create_model
    class TransferOrder(pw.Model):
        id = pw.AutoField()
        number = pw.CharField(max_length=20, unique=True, null=True)
        from_location = pw.ForeignKeyField(column_name="from_location_id", field="id",
                                           model=migrator.orm["location"], on_delete="RESTRICT")
        to_location = pw.ForeignKeyField(column_name="to_location_id", field="id",
                                         model=migrator.orm["location"], on_delete="RESTRICT")
        status = pw.CharField(max_length=12, default="approved", index=True)
        reason = pw.CharField(max_length=200, default="")
        shipment = pw.ForeignKeyField(column_name="shipment_id", field="id", null=True,
                                      model=migrator.orm["shipment"], on_delete="SET NULL")
        created_by = pw.CharField(max_length=160, default="")
        created_at = pw.DateTimeField(index=True)
        shipped_at = pw.DateTimeField(null=True)
        received_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "transfer_order"
            indexes = [(("from_location", "status"), False), (("to_location", "status"), False)]

    @migrator.create_model
    class TransferLine(pw.Model):
        id = pw.AutoField()
        transfer = pw.ForeignKeyField(column_name="transfer_id", field="id",
                                      model=migrator.orm["transfer_order"], on_delete="CASCADE")
        product = pw.ForeignKeyField(column_name="product_id", field="id",
                                     model=migrator.orm["product"], on_delete="RESTRICT")
        quantity = pw.IntegerField(constraints=[pw.Check("quantity > 0")])
        incoming = pw.ForeignKeyField(column_name="incoming_id", field="id", null=True,
                                      model=migrator.orm["incoming_stock"], on_delete="SET NULL")

        class Meta:
            table_name = "transfer_line"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop them, dependants first."""
    for name in ("transfer_line", "transfer_order", "restock_rule", "return_event",
                 "return_line", "return_order"):
        migrator.remove_model(name)
