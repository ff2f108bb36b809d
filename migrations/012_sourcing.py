"""Sourcing rules: versioned rule sets, their rules, the decision per order; a cost per
shipment on locations; the "needs attention" note on orders."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create rule_set, sourcing_rule and sourcing_decision; add location.shipment_cost and
    sales_order.attention."""

    @migrator.create_model
    class RuleSet(pw.Model):
        id = pw.AutoField()
        version = pw.IntegerField(unique=True)
        status = pw.CharField(index=True, max_length=12)
        note = pw.CharField(default="", max_length=200)
        created_by = pw.CharField(default="", max_length=160)
        created_at = pw.DateTimeField()
        published_by = pw.CharField(default="", max_length=160)
        published_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "rule_set"

    @migrator.create_model
    class SourcingRule(pw.Model):
        id = pw.AutoField()
        ruleset = pw.ForeignKeyField(column_name="ruleset_id", field="id",
                                     model=migrator.orm["rule_set"], on_delete="CASCADE")
        position = pw.IntegerField()
        data = pw.TextField()

        class Meta:
            table_name = "sourcing_rule"
            indexes = ((("ruleset", "position"), True),)

    @migrator.create_model
    class SourcingDecision(pw.Model):
        id = pw.AutoField()
        order = pw.ForeignKeyField(column_name="order_id", field="id",
                                   model=migrator.orm["sales_order"], on_delete="CASCADE")
        version = pw.IntegerField(null=True)
        rule_name = pw.CharField(default="", max_length=80)
        reason = pw.CharField(default="placed", max_length=40)
        plan = pw.TextField(default="[]")
        trace = pw.TextField(default="[]")
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "sourcing_decision"

    migrator.add_fields("location", shipment_cost=pw.DecimalField(
        max_digits=8, decimal_places=2, null=True, auto_round=False))
    migrator.add_fields("sales_order", attention=pw.CharField(max_length=200, default=""))
    # The "needs attention" queue is tiny next to all orders: index only its rows.
    migrator.sql("CREATE INDEX sales_order_attention ON sales_order (id) WHERE attention <> ''")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql("DROP INDEX sales_order_attention")
    migrator.remove_fields("sales_order", "attention")
    migrator.remove_fields("location", "shipment_cost")
    migrator.remove_model("sourcing_decision")
    migrator.remove_model("sourcing_rule")
    migrator.remove_model("rule_set")
