"""Reading the outbox: newest first, optionally one status."""

from __future__ import annotations

from peewee import JOIN, fn

from portal.notifications.models import OutboxMessage
from portal.notifications.status import MessageStatus
from portal.orders.models import Order


def outbox_messages(status: str = ""):
    """Messages with their order (if any), newest first; ``status`` filters."""
    query = (OutboxMessage.select(OutboxMessage, Order.id, Order.number)
             .join(Order, JOIN.LEFT_OUTER, on=(OutboxMessage.order == Order.id)))
    if status in set(MessageStatus):
        query = query.where(OutboxMessage.status == status)
    return query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())


def status_counts() -> dict[str, int]:
    """How many messages are in each status."""
    rows = (OutboxMessage.select(OutboxMessage.status, fn.COUNT(OutboxMessage.id).alias("n"))
            .group_by(OutboxMessage.status))
    return {row.status: row.n for row in rows}
