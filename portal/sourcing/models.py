"""Versions of the sourcing rules and the decision taken for each order.

A RuleSet is one version: ``draft`` while a manager edits it, ``published`` while it
routes orders (exactly one at a time), ``archived`` afterwards. Its rules are stored
in order (``position``) as validated JSON (see ``rules.py``).
"""

from __future__ import annotations

import json

import peewee as pw

from portal.db import BaseModel, utcnow
from portal.orders.models import Order
from portal.sourcing.rules import Rule, rule_from_dict


class RuleSet(BaseModel):
    version = pw.IntegerField(unique=True)
    status = pw.CharField(max_length=12, index=True)  # draft, published, archived
    note = pw.CharField(max_length=200, default="")
    created_by = pw.CharField(max_length=160, default="")
    created_at = pw.DateTimeField(default=utcnow)
    published_by = pw.CharField(max_length=160, default="")
    published_at = pw.DateTimeField(null=True)


class SourcingRule(BaseModel):
    ruleset = pw.ForeignKeyField(RuleSet, backref="rules", on_delete="CASCADE")
    position = pw.IntegerField()
    data = pw.TextField()  # the Rule as JSON

    class Meta:
        indexes = ((("ruleset", "position"), True),)

    @property
    def rule(self) -> Rule:
        return rule_from_dict(json.loads(self.data))


class SourcingDecision(BaseModel):
    """Why an order's stock comes from where it does: the rule that won (or none), the
    plan and the whole explain trace, per sourcing run (first run and re-sourcing)."""

    order = pw.ForeignKeyField(Order, backref="sourcing_decisions", on_delete="CASCADE")
    version = pw.IntegerField(null=True)
    rule_name = pw.CharField(max_length=80, default="")
    reason = pw.CharField(max_length=40, default="placed")  # placed, rejected, retried
    plan = pw.TextField(default="[]")
    trace = pw.TextField(default="[]")
    created_at = pw.DateTimeField(default=utcnow)

    @property
    def trace_entries(self) -> list[dict]:
        return json.loads(self.trace)

    @property
    def plan_entries(self) -> list[dict]:
        return json.loads(self.plan)


MODELS = [RuleSet, SourcingRule, SourcingDecision]
