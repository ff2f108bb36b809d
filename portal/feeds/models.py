"""Supplier stock feeds: where a supplier's stock list comes from, how to read it, which
location it updates, and how fresh that location's stock is."""

from __future__ import annotations

import json
from datetime import timedelta

import peewee as pw

from portal.db import BaseModel, utcnow
from portal.locations.models import Location
from portal.suppliers.models import Supplier

MAX_STALE_HOURS = 24 * 30
MAX_EVERY_MINUTES = 24 * 60


class SupplierFeed(BaseModel):
    """One feed: a URL or a file-drop folder, CSV or JSON, a column mapping, and the one
    location whose stock it sets (one feed per location, so two feeds never fight over a
    stock row). The ``last_*`` columns are the result of the newest run; ``last_success_at``
    is how old the location's stock is (the file's time for a folder, else the fetch)."""

    supplier = pw.ForeignKeyField(Supplier, backref="feeds", on_delete="CASCADE")
    location = pw.ForeignKeyField(Location, unique=True, backref="+", on_delete="RESTRICT")
    name = pw.CharField(max_length=80)
    source = pw.CharField(max_length=8, default="url")  # url | folder
    url = pw.CharField(max_length=500, default="")
    folder = pw.CharField(max_length=300, default="")   # inside FEED_DROP_DIR
    filename_pattern = pw.CharField(max_length=100, default="*.csv")
    format = pw.CharField(max_length=8, default="csv")  # csv | json
    delimiter = pw.CharField(max_length=2, default=",")
    encoding = pw.CharField(max_length=20, default="utf-8")
    mapping = pw.TextField(default="{}")  # JSON: sku, quantity, incoming_*, records
    full_snapshot = pw.BooleanField(default=False)  # rows missing from the file go to 0
    stale_after_hours = pw.IntegerField(default=24, constraints=[
        pw.Check(f"stale_after_hours > 0 AND stale_after_hours <= {MAX_STALE_HOURS}")])
    every_minutes = pw.IntegerField(default=60, constraints=[
        pw.Check(f"every_minutes > 0 AND every_minutes <= {MAX_EVERY_MINUTES}")])
    active = pw.BooleanField(default=True)
    last_run_at = pw.DateTimeField(null=True)
    last_success_at = pw.DateTimeField(null=True, index=True)
    last_status = pw.CharField(max_length=10, default="")  # ok | unchanged | failed
    last_rows = pw.IntegerField(default=0)
    last_changed = pw.IntegerField(default=0)
    last_error = pw.TextField(default="")
    last_report = pw.TextField(default="")  # JSON: bad lines and notes of the newest run
    last_checksum = pw.CharField(max_length=64, default="")
    baseline = pw.TextField(default="")  # JSON: the last applied file kept (delta.py)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)

    @property
    def columns(self) -> dict[str, str]:
        """The mapping: ``sku``, ``quantity``, optional ``incoming_quantity``,
        ``incoming_date`` (source column or key) and ``records`` (JSON: the array's key)."""
        try:
            value = json.loads(self.mapping or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    @property
    def baseline_info(self) -> dict:
        """What ``delta.py`` kept of the last applied file: checksum, fingerprint,
        started_at, unknown ({} when none)."""
        try:
            value = json.loads(self.baseline or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    @property
    def report(self) -> dict:
        """The newest run's report: ``errors`` [{line, message}], ``error_count``, notes."""
        try:
            value = json.loads(self.last_report or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def is_stale(self, now=None) -> bool:
        """True when the location's stock is older than ``stale_after_hours`` (or never
        came); an inactive feed judges nothing."""
        if not self.active:
            return False
        limit = (now or utcnow()) - timedelta(hours=self.stale_after_hours)
        return self.last_success_at is None or self.last_success_at < limit

    def is_due(self, now=None) -> bool:
        """True when an active feed has not run for ``every_minutes``."""
        if not self.active:
            return False
        since = (now or utcnow()) - timedelta(minutes=self.every_minutes)
        return self.last_run_at is None or self.last_run_at <= since

    def __str__(self) -> str:
        return self.name


MODELS = [SupplierFeed]
