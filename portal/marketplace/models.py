"""The marketplace connector's bookmarks: how far the ledger was pushed, how far
orders were pulled."""

from __future__ import annotations

import peewee as pw

from portal.db import BaseModel, utcnow

SYNC_ID = 1  # one row: the installation has one marketplace


class MarketplaceSync(BaseModel):
    """``pushed_movement_id``: every stock movement up to this id is on the marketplace.
    ``pulled_since``: the marketplace's creation time of the newest order taken (or of
    the oldest one that failed, so the next pull asks for it again)."""

    pushed_movement_id = pw.BigIntegerField(default=0)
    pushed_at = pw.DateTimeField(null=True)
    pulled_since = pw.DateTimeField(null=True)
    pulled_at = pw.DateTimeField(null=True)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "marketplace_sync"


MODELS = [MarketplaceSync]
