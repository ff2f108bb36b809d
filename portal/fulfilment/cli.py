"""``flask pickups expire``: cancel Click & Collect orders nobody collected in time
(refunded, units back on the store's shelf). The jobs process will run it daily."""

from __future__ import annotations

import click
from flask.cli import AppGroup

pickups_cli = AppGroup("pickups", help="Click & Collect pickups.")


@pickups_cli.command("expire")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Days an order may wait for pickup [default: PICKUP_DAYS].")
def pickups_expire(days: int | None):
    """Cancel the orders ready for pickup longer than the allowed days; prints each
    cancelled order number and a summary. An order whose refund fails stays ready and
    is tried again on the next run."""
    from portal.fulfilment.pickup import expire_uncollected, pickup_days, uncollected_orders

    days = pickup_days() if days is None else days
    cancelled = expire_uncollected(days=days)
    for number in cancelled:
        click.echo(number)
    left = uncollected_orders(days=days).count()
    click.echo(f"Cancelled {len(cancelled)} order(s) not collected within {days} day(s)"
               + (f"; {left} left to try again." if left else "."))
