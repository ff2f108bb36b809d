"""How fresh each feed-driven location's stock is, for screens and for sourcing.

A location is *stale* when its active feed's last success is older than the feed's
``stale_after_hours`` (or it never had one). Locations without an active feed (stores,
warehouses) are never stale. ``stale_location_ids`` is read by every sourcing run with a
``fresh_feeds_only`` rule, so a worker keeps the answer for ``LOCATION_CACHE_SECONDS``;
an import clears it in its own process.
"""

from __future__ import annotations

import threading
import time

from flask import current_app, has_app_context

from portal.db import utcnow
from portal.feeds.models import SupplierFeed

_lock = threading.Lock()
_cache: tuple[float, frozenset[int]] | None = None


def stale_feeds(now=None) -> list[SupplierFeed]:
    """Active feeds whose location's stock is stale, oldest first."""
    now = now or utcnow()
    feeds = (SupplierFeed.select().where(SupplierFeed.active == True)  # noqa: E712
             .order_by(SupplierFeed.last_success_at.asc(nulls="first"), SupplierFeed.id))
    return [feed for feed in feeds if feed.is_stale(now)]


def stale_location_ids() -> frozenset[int]:
    """Ids of the locations whose feed is stale (cached per worker for a few seconds)."""
    global _cache
    seconds = (current_app.config.get("LOCATION_CACHE_SECONDS", 30.0)
               if has_app_context() else 30.0)
    with _lock:
        if _cache is not None and time.monotonic() - _cache[0] < seconds:
            return _cache[1]
    ids = frozenset(feed.location_id for feed in stale_feeds())
    with _lock:
        _cache = (time.monotonic(), ids)
    return ids


def forget_freshness() -> None:
    """Drop the cached answer (after an import or a changed feed)."""
    global _cache
    with _lock:
        _cache = None
