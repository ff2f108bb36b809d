"""Reading and moving the connector's bookmarks (``MarketplaceSync``, one row).

Bookmarks only move forward: two runs at once (a scheduled one and "run now") cannot
set them back, since every UPDATE names the value it may replace.
"""

from __future__ import annotations

from datetime import datetime

from portal.db import utcnow
from portal.marketplace.models import SYNC_ID, MarketplaceSync


def sync_state() -> MarketplaceSync:
    """The bookmarks, created on first use (a concurrent first use inserts one row)."""
    MarketplaceSync.insert(id=SYNC_ID, updated_at=utcnow()).on_conflict_ignore().execute()
    return MarketplaceSync.get_by_id(SYNC_ID)


def advance_push(movement_id: int) -> None:
    """Every movement up to ``movement_id`` is on the marketplace now."""
    now = utcnow()
    (MarketplaceSync.update(pushed_movement_id=movement_id, pushed_at=now, updated_at=now)
     .where(MarketplaceSync.id == SYNC_ID,
            MarketplaceSync.pushed_movement_id < movement_id).execute())


def note_push() -> None:
    """A push ran and found nothing new."""
    now = utcnow()
    (MarketplaceSync.update(pushed_at=now, updated_at=now)
     .where(MarketplaceSync.id == SYNC_ID).execute())


def advance_pull(since: datetime | None) -> None:
    """The next pull asks for orders from ``since`` on (None: it stays where it is)."""
    now = utcnow()
    (MarketplaceSync.update(pulled_at=now, updated_at=now)
     .where(MarketplaceSync.id == SYNC_ID).execute())
    if since is not None:
        (MarketplaceSync.update(pulled_since=since)
         .where(MarketplaceSync.id == SYNC_ID,
                MarketplaceSync.pulled_since.is_null() | (MarketplaceSync.pulled_since < since))
         .execute())
