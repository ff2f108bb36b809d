"""The portal's own jobs: thin wrappers that call a domain's service and tell the
``JobContext`` what they read, changed and found wrong. Each is idempotent.

Their messages are catalogue messages (worded in English, the jobs process's language,
and again in the reader's when the jobs screen shows them: ``portal.wording``); their
English says what the messages said before they were translatable, so older runs read
in the reader's language too."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.db import local_today, utcnow
from portal.jobs.context import MAX_ERRORS, JobContext


def expire_reservations(ctx: JobContext) -> None:
    """Unpaid orders past their reservation time are cancelled (stock released)."""
    from portal.orders.models import Order
    from portal.orders.status import OrderStatus
    from portal.payments.expiry import expire_unpaid_orders

    now = utcnow()
    ctx.read(Order.select().where(Order.status == OrderStatus.PENDING_PAYMENT,
                                  Order.reserved_until < now).count())
    ctx.changed(expire_unpaid_orders(now=now))


def deliver_outbox(ctx: JobContext) -> None:
    """Send the customer e-mails that are due; one that failed for good is an error."""
    from portal.notifications.services import deliver_outbox as deliver

    counts = deliver()
    ctx.read(counts.sent + counts.retrying + counts.failed + counts.skipped)
    ctx.changed(counts.sent)
    for _ in range(counts.failed):
        ctx.error(str(_l("an e-mail failed for good; see the outbox")))
    ctx.message = str(_l("sent %(sent)s, to retry %(retrying)s, failed %(failed)s, taken by "
                         "another deliverer %(skipped)s", sent=counts.sent,
                         retrying=counts.retrying, failed=counts.failed,
                         skipped=counts.skipped))


def expire_pickups(ctx: JobContext) -> None:
    """Click & Collect orders not collected within PICKUP_DAYS are cancelled and
    refunded; one whose refund failed stays and is an error (tried again next run)."""
    from portal.fulfilment.pickup import expire_uncollected, uncollected_orders

    now = utcnow()
    due = [order.number for order in uncollected_orders(now)]
    ctx.read(len(due))
    done = set(expire_uncollected(now=now))
    ctx.changed(len(done))
    for number in due:
        if number not in done:
            ctx.error(str(_l("%(number)s: not cancelled (the refund failed); tried again "
                             "next run", number=number)))


def flag_late_deliveries(ctx: JobContext) -> None:
    """Open incoming deliveries whose expected date has passed, listed in the run's
    report (oldest first). Nothing is changed."""
    from portal.inventory.models import IncomingStock, Product
    from portal.inventory.status import IncomingStatus
    from portal.locations.models import Location

    today = local_today()
    late = (IncomingStock
            .select(IncomingStock, Product.sku, Location.code)
            .join(Product).switch(IncomingStock).join(Location)
            .where(IncomingStock.status == IncomingStatus.OPEN,
                   IncomingStock.expected_on < today)
            .order_by(IncomingStock.expected_on, IncomingStock.id))
    for incoming in late.iterator():
        ctx.read()
        days = (today - incoming.expected_on).days
        ctx.error(str(_l("%(reference)s: %(quantity)s × %(sku)s to %(location)s, expected "
                         "%(expected)s (%(days)s days late)",
                         reference=incoming.reference or incoming.source,
                         quantity=incoming.quantity, sku=incoming.product.sku,
                         location=incoming.location.code,
                         expected=incoming.expected_on.isoformat(), days=days)))
    ctx.message = str(_l("late deliveries: %(n)s", n=ctx.rows_read))


def check_stock(ctx: JobContext) -> None:
    """Every stock level is compared with its ledger; each difference is an error
    (``flask stock rebuild`` repairs them)."""
    from portal.inventory.ledger import check_levels
    from portal.inventory.models import StockLevel

    ctx.read(StockLevel.select().count())
    for count, difference in enumerate(check_levels()):
        ctx.error(difference.describe() if count < MAX_ERRORS else "")
    ctx.message = str(_l("differences: %(n)s", n=ctx.error_count))
