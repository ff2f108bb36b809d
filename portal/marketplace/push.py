"""Pushing availability to the marketplace: only the SKUs whose stock changed.

The stock ledger says what changed: every ``StockMovement`` (receipts, sales,
reservations, releases, corrections ...) at a location that sells on the marketplace
(``CHANNEL_KINDS``) since the bookmark ``pushed_movement_id``. Those SKUs' marketplace
availability (after safety stock and channel buffers, as ``GET /api/v1/availability``
answers for ``channel=marketplace``; an inactive SKU is 0) goes out as

    POST {MARKETPLACE_URL}/availability
    {"items": [{"sku": "SNK-10001", "available": 7}, ...]}     (at most 500 per call)

in the order of each SKU's first change. After the marketplace accepted a batch, the
bookmark moves to just before the next batch's first change (after the last one: to
the newest movement read), so a failed batch, and everything after it, is sent again
by the next run; the run then fails with the marketplace's error.

On PostgreSQL a transaction may commit a movement with a lower id after a higher one
is visible. The bookmark therefore only passes the newest id when no other
transaction is writing the ledger at that moment (``pg_locks``); otherwise the SKUs
are sent and the bookmark stays, so the next run looks at them again.
"""

from __future__ import annotations

from contextlib import nullcontext

from flask_babel import lazy_gettext as _l
from peewee import fn

from portal.db import db, is_sqlite
from portal.inventory.availability import CHANNEL_KINDS, MAX_SKUS, availability
from portal.inventory.models import Product, StockMovement
from portal.inventory.status import Channel
from portal.jobs.context import JobContext
from portal.locations.models import Location
from portal.marketplace.client import MarketplaceClient, client_from_config
from portal.marketplace.sync import advance_push, note_push, sync_state

BATCH = 500
# Another transaction that inserted ledger rows holds this lock until it ends.
LEDGER_WRITERS_SQL = ("SELECT 1 FROM pg_locks WHERE locktype = 'relation' "
                      "AND relation = 'stock_movement'::regclass "
                      "AND mode = 'RowExclusiveLock' AND pid <> pg_backend_pid() LIMIT 1")


def push(ctx: JobContext, client: MarketplaceClient | None = None) -> None:
    """Send the availability of every SKU changed since the last push (the job)."""
    watermark = sync_state().pushed_movement_id
    newest, settled = _bounds(watermark)
    changed = changed_skus(watermark, newest)
    if not changed:
        note_push()
        ctx.progress(0, 0, str(_l("Nothing changed since the last push.")), force=True)
        return
    starts = [first_id for _sku, first_id in changed]
    marks = [min(start - 1, settled) for start in starts[BATCH::BATCH]] + [settled]
    _send([sku for sku, _first in changed], marks, ctx, client)


def push_all(ctx: JobContext, client: MarketplaceClient | None = None) -> None:
    """Send the availability of every SKU (a first sync, or a nightly repair after
    changes the ledger does not record, such as a new channel buffer)."""
    watermark = sync_state().pushed_movement_id
    _newest, settled = _bounds(watermark)
    skus = [sku for (sku,) in Product.select(Product.sku).order_by(Product.id).tuples()]
    marks = [watermark] * ((len(skus) - 1) // BATCH) + [settled]
    _send(skus, marks, ctx, client)


def _send(skus: list[str], marks: list[int], ctx: JobContext,
          client: MarketplaceClient | None) -> None:
    """Push ``skus`` in batches; after batch i is accepted, the bookmark moves to marks[i]."""
    ctx.progress(0, len(skus), str(_l("Pushing availability")), force=True)
    with nullcontext(client) if client else client_from_config() as api:
        for index, start in enumerate(range(0, len(skus), BATCH)):
            batch = skus[start:start + BATCH]
            items = [{"sku": sku, "available": available}
                     for sku, available in marketplace_available(batch).items()]
            ctx.read(len(items))
            api.push_availability(items)  # raises MarketplaceError after the last try
            advance_push(marks[index])
            ctx.changed(len(items))
            ctx.progress(start + len(batch), len(skus))


def _bounds(watermark: int) -> tuple[int, int]:
    """The newest movement id, and how far the bookmark may move (see the docstring)."""
    newest = StockMovement.select(fn.MAX(StockMovement.id)).scalar() or 0
    if newest <= watermark:
        return watermark, watermark
    if not is_sqlite() and db.execute_sql(LEDGER_WRITERS_SQL).fetchone():
        return newest, watermark
    return newest, newest


def changed_skus(after: int, upto: int) -> list[tuple[str, int]]:
    """(SKU, id of its first movement) with movements in (after, upto] at locations that
    sell on the marketplace, first changed first."""
    first = fn.MIN(StockMovement.id)
    return list(StockMovement
                .select(Product.sku, first)
                .join(Product).switch(StockMovement).join(Location)
                .where(StockMovement.id > after, StockMovement.id <= upto,
                       Location.kind.in_(list(CHANNEL_KINDS[Channel.MARKETPLACE])))
                .group_by(Product.sku).order_by(first, Product.sku).tuples())


def marketplace_available(skus: list[str]) -> dict[str, int]:
    """SKU → units the marketplace may sell (0 for an inactive or unknown SKU)."""
    found: dict[str, int] = {}
    for start in range(0, len(skus), MAX_SKUS):
        results, _unknown = availability(skus[start:start + MAX_SKUS],
                                         channel=Channel.MARKETPLACE, limit=1)
        found.update({result.sku: result.available for result in results})
    return {sku: found.get(sku, 0) for sku in skus}
