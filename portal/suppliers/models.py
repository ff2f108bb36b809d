"""Suppliers: who delivers to us (and, with drop-ship, to our customers) and from where."""

from __future__ import annotations

import peewee as pw

from portal.db import BaseModel, utcnow
from portal.locations.models import Location

MAX_LEAD_TIME_DAYS = 365


class Supplier(BaseModel):
    """A supplier with its contact, lead time and terms; its warehouse is a Location of
    kind supplier (at most one supplier per location, none while not yet assigned)."""

    code = pw.CharField(max_length=16, unique=True)
    name = pw.CharField(max_length=120)
    contact_name = pw.CharField(max_length=120, default="")
    contact_email = pw.CharField(max_length=160, default="")
    contact_phone = pw.CharField(max_length=40, default="")
    lead_time_days = pw.IntegerField(default=0, constraints=[
        pw.Check(f"lead_time_days >= 0 AND lead_time_days <= {MAX_LEAD_TIME_DAYS}")])
    dropship = pw.BooleanField(default=False)  # ships straight to the end customer
    active = pw.BooleanField(default=True)
    notes = pw.TextField(default="")
    location = pw.ForeignKeyField(Location, null=True, unique=True, backref="+",
                                  on_delete="RESTRICT")
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class SupplierCountry(BaseModel):
    """One country a supplier delivers to (ISO 3166-1 alpha-2).

    A row per country, not a list in a text column, so that "suppliers serving DE" is one
    lookup on the (country, supplier) index instead of a LIKE over every supplier.
    """

    supplier = pw.ForeignKeyField(Supplier, backref="country_rows", on_delete="CASCADE")
    country = pw.CharField(max_length=2)

    class Meta:
        indexes = ((("country", "supplier"), True),)


MODELS = [Supplier, SupplierCountry]
