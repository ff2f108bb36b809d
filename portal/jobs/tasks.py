"""The portal's own jobs: thin wrappers that call a domain's service and tell the
``JobContext`` what they read, changed and found wrong. Each is idempotent."""

from __future__ import annotations

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
        ctx.error("an e-mail failed for good; see the outbox")
    ctx.message = (f"sent {counts.sent}, to retry {counts.retrying}, failed {counts.failed}, "
                   f"taken by another deliverer {counts.skipped}")


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
            ctx.error(f"{number}: not cancelled (the refund failed); tried again next run")


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
        ctx.error(f"{incoming.reference or incoming.source}: {incoming.quantity} × "
                  f"{incoming.product.sku} to {incoming.location.code}, expected "
                  f"{incoming.expected_on.isoformat()} ({days} days late)")
    ctx.message = f"late deliveries: {ctx.rows_read}"


def check_stock(ctx: JobContext) -> None:
    """Every stock level is compared with its ledger; each difference is an error
    (``flask stock rebuild`` repairs them)."""
    from portal.inventory.ledger import check_levels
    from portal.inventory.models import StockLevel

    ctx.read(StockLevel.select().count())
    for count, difference in enumerate(check_levels()):
        ctx.error(difference.describe() if count < MAX_ERRORS else "")
    ctx.message = f"differences: {ctx.error_count}"
