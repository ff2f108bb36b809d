"""States of an outbox message."""

from __future__ import annotations

from enum import StrEnum


class MessageStatus(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt; also while a deliverer holds it
    SENT = "sent"
    FAILED = "failed"    # gave up after MAIL_MAX_ATTEMPTS, or the address was refused
