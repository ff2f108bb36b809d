"""Queueing customer e-mails with the order change that causes them, and delivering
the outbox with retries.

``queue_status_message`` runs inside the transaction that moves the order (called by
``transition_order``): a rolled-back change queues nothing, a committed one keeps its
message. ``deliver_outbox`` runs later (``flask outbox deliver``, the scheduler): it
claims each due message with one conditional UPDATE, sends it outside any transaction,
and records the outcome. Sending never happens in, waits for or fails the order flow.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from flask import current_app

from portal.audit.services import record_audit
from portal.db import db, transaction, utcnow
from portal.i18n import customer_language
from portal.notifications.mail import (
    MailBackend,
    PermanentMailError,
    compose,
    mail_backend,
    sender_domain,
    valid_recipient,
)
from portal.notifications.messages import STATUS_MESSAGES, MessageKind, render_order_message
from portal.notifications.models import OutboxMessage
from portal.notifications.status import MessageStatus
from portal.orders.models import Order

log = logging.getLogger(__name__)

# While a deliverer sends a message, the message is due again only after this lease: a
# deliverer that died mid-send does not strand it. Far longer than MAIL_TIMEOUT.
CLAIM_SECONDS = 600
MAX_BACKOFF_SECONDS = 6 * 3600


def queue_status_message(order: Order, status: str, note: str = "") -> None:
    """Queue the customer e-mail that moving ``order`` to ``status`` sends, if any.

    Call it inside the transaction that changes the status. ``note`` is the change's
    note (for a cancellation: the reason, which the customer is told)."""
    kind = STATUS_MESSAGES.get(status)
    if kind is not None:
        queue_order_message(order, kind, note=note)


def queue_order_message(order: Order, kind: MessageKind, note: str = "", ref: str = "",
                        extra: dict | None = None) -> None:
    """Queue ``kind`` for ``order`` once (``ref`` tells apart repeated events of one kind,
    e.g. a shipment number; ``extra`` is more context for the template). Orders without
    a usable e-mail address queue nothing.

    A template that fails to render does not stop the order: the row is stored as
    failed with the error, visible in the outbox."""
    recipient = (order.customer_email or "").strip()
    if not recipient:
        return
    if not valid_recipient(recipient):
        log.warning("order %s: not a single e-mail address, no %s message", order.id, kind.name)
        return
    key = f"order:{order.id}:{kind.name}" + (f":{ref}" if ref else "")
    if OutboxMessage.select().where(OutboxMessage.dedupe_key == key).exists():
        return  # a replayed event: queued before
    now = utcnow()
    language = customer_language(order.language)  # the e-mail speaks the customer's
    row = {"order": order.id, "kind": kind.name, "dedupe_key": key, "recipient": recipient,
           "language": language, "created_at": now, "next_attempt_at": now}
    try:
        subject, text, html = render_order_message(order, kind, language, note, extra)
        row.update(subject=subject[:255], text_body=text, html_body=html)
    except Exception as error:  # noqa: BLE001 - a template bug must not block the order
        log.exception("order %s: %s message did not render", order.id, kind.name)
        row.update(subject=kind.name, text_body="", status=MessageStatus.FAILED,
                   last_error=f"rendering failed: {error!r}"[:1000])
    # A concurrent replay may have inserted the key since the check: then it stays one.
    OutboxMessage.insert(**row).on_conflict_ignore().execute()


@dataclass
class DeliveryCounts:
    """What one ``deliver_outbox`` run did."""

    sent: int = 0
    retrying: int = 0   # failed this time, due again later
    failed: int = 0     # given up (MAIL_MAX_ATTEMPTS reached or a permanent error)
    skipped: int = 0    # another deliverer claimed it first

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def deliver_outbox(limit: int = 100, now: datetime | None = None,
                   backend: MailBackend | None = None) -> DeliveryCounts:
    """Send up to ``limit`` due messages; return what happened.

    Several deliverers may run at once: each message is claimed by one conditional
    UPDATE, so only one of them sends it. A failure is retried after
    ``MAIL_RETRY_SECONDS`` doubling per attempt; after ``MAIL_MAX_ATTEMPTS`` the message
    is marked failed with its last error.
    """
    if db.in_transaction():
        raise RuntimeError("deliver_outbox sends mail and must run outside a transaction")
    now = now or utcnow()
    backend = backend or mail_backend()
    counts = DeliveryCounts()
    due = list(OutboxMessage.select()
               .where(OutboxMessage.status == MessageStatus.PENDING,
                      OutboxMessage.next_attempt_at <= now)
               .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
    for message in due:
        if not _claim(message, now):
            counts.skipped += 1
            continue
        try:
            email = _email(message)
        except Exception as error:  # noqa: BLE001 - the row is at fault; say so in it
            _record_failure(message, PermanentMailError(f"cannot compose: {error!r}"), now,
                            counts)
            continue
        try:
            backend.send(email)
        except Exception as error:  # noqa: BLE001 - any backend error is retried or recorded
            _record_failure(message, error, now, counts)
        else:
            _record_sent(message, now)
            counts.sent += 1
    return counts


def _claim(message: OutboxMessage, now: datetime) -> bool:
    """Take the message for this deliverer: one UPDATE that succeeds for one caller only
    (it names the attempts it saw and pushes the due time a lease ahead)."""
    claimed = (OutboxMessage
               .update(attempts=OutboxMessage.attempts + 1,
                       next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
               .where(OutboxMessage.id == message.id,
                      OutboxMessage.status == MessageStatus.PENDING,
                      OutboxMessage.attempts == message.attempts,
                      OutboxMessage.next_attempt_at <= now)
               .execute())
    if claimed != 1:
        return False
    message.attempts += 1
    return True


def _mine(message: OutboxMessage):
    """The row as long as this deliverer's claim holds (no one claimed it since)."""
    return ((OutboxMessage.id == message.id) & (OutboxMessage.status == MessageStatus.PENDING)
            & (OutboxMessage.attempts == message.attempts))


def _email(message: OutboxMessage):
    sender = current_app.config.get("MAIL_FROM", "no-reply@localhost")
    message_id = (f"<oms-{message.id}.{message.created_at:%Y%m%d%H%M%S}"
                  f"@{sender_domain(sender)}>")  # the same on every attempt
    return compose(sender=sender, recipient=message.recipient, subject=message.subject,
                   text=message.text_body, html=message.html_body, message_id=message_id,
                   created_at=message.created_at, language=message.language)


def _record_sent(message: OutboxMessage, now: datetime) -> None:
    OutboxMessage.update(status=MessageStatus.SENT, sent_at=max(now, utcnow()),
                         last_error="").where(_mine(message)).execute()
    log.info("outbox message %s (%s) sent", message.id, message.kind)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try: MAIL_RETRY_SECONDS, doubled
    per attempt, at most six hours."""
    base = current_app.config.get("MAIL_RETRY_SECONDS", 60)
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def _record_failure(message: OutboxMessage, error: Exception, now: datetime,
                    counts: DeliveryCounts) -> None:
    text = f"{type(error).__name__}: {error}"[:1000]
    limit = current_app.config.get("MAIL_MAX_ATTEMPTS", 6)
    if isinstance(error, PermanentMailError) or message.attempts >= limit:
        OutboxMessage.update(status=MessageStatus.FAILED, last_error=text).where(
            _mine(message)).execute()
        counts.failed += 1
        log.error("outbox message %s (%s) failed after %s attempt(s): %s", message.id,
                  message.kind, message.attempts, text)
        return
    retry_at = max(now, utcnow()) + retry_delay(message.attempts)
    OutboxMessage.update(next_attempt_at=retry_at, last_error=text).where(
        _mine(message)).execute()
    counts.retrying += 1
    log.warning("outbox message %s (%s) attempt %s failed, retry at %s: %s", message.id,
                message.kind, message.attempts, retry_at, text)


def retry_message(message_id: int, actor=None) -> bool:
    """Give a failed message a fresh set of attempts, due now; False when it is not
    failed (anymore)."""
    with transaction():
        moved = (OutboxMessage.update(status=MessageStatus.PENDING, attempts=0,
                                      next_attempt_at=utcnow())
                 .where(OutboxMessage.id == message_id,
                        OutboxMessage.status == MessageStatus.FAILED,
                        OutboxMessage.text_body != "")  # one that never rendered stays
                 .execute())
        if moved:
            message = OutboxMessage.get_by_id(message_id)
            number = Order.get_by_id(message.order_id).number if message.order_id else ""
            record_audit(actor, "outbox.retried", message, kind=message.kind, order=number)
    return bool(moved)
