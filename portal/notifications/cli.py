"""``flask outbox deliver`` sends what is due; ``flask outbox list`` shows the outbox."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.notifications.status import MessageStatus

outbox_cli = AppGroup("outbox", help="Customer e-mails: deliver and list the outbox.")


@outbox_cli.command("deliver")
@click.option("--limit", default=100, show_default=True, help="Most messages to send.")
def outbox_deliver(limit: int):
    """Send the due e-mails once; failures are retried on a later run."""
    from portal.notifications.services import deliver_outbox

    counts = deliver_outbox(limit=limit)
    click.echo(f"Sent {counts.sent}, to retry {counts.retrying}, failed {counts.failed}, "
               f"taken by another deliverer {counts.skipped}.")


@outbox_cli.command("list")
@click.option("--status", type=click.Choice([s.value for s in MessageStatus]), default=None)
@click.option("--limit", default=50, show_default=True)
def outbox_list(status: str | None, limit: int):
    """The newest messages: id, status, attempts, created, kind, order, recipient, error."""
    from portal.notifications.queries import outbox_messages

    for message in outbox_messages(status or "").limit(limit):
        number = message.order.number if message.order_id else "-"
        click.echo(f"{message.id:>6}  {message.status:<7}  {message.attempts:>2}  "
                   f"{message.created_at:%Y-%m-%d %H:%M}  {message.kind:<16}  {number:<16}  "
                   f"{message.recipient}  {message.last_error[:80]}".rstrip())
