"""Issued tracking numbers and SSCCs: registries that hand out serials and guarantee that
no number is ever issued twice.

Each issue inserts a row; its id (a database sequence on PostgreSQL, the rowid on
SQLite) is the serial the number is built from, and the unique index on the number is the
final guard. Rows are never deleted: that keeps SQLite from handing out a rowid again
and keeps a number from being re-used after its parcel is gone (GS1 asks for at least
a year). Shipments and parcels (issue #7, order integration) will refer to these numbers.
"""

from __future__ import annotations

import peewee as pw

from portal.db import BaseModel, utcnow


class TrackingNumber(BaseModel):
    """A tracking number issued by (or, for outside carriers, recorded for) a carrier.

    ``number`` is NULL only inside the issuing transaction, between the insert that
    draws the serial and the update that writes the number built from it.
    """

    carrier = pw.CharField(max_length=32)
    number = pw.CharField(max_length=40, null=True, unique=True)
    created_at = pw.DateTimeField(default=utcnow)


class Sscc(BaseModel):
    """An SSCC-18 issued for one parcel; ``sscc`` NULL only while being issued."""

    sscc = pw.CharField(max_length=18, null=True, unique=True)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "sscc"


MODELS = [TrackingNumber, Sscc]
