"""Delivering the outbox: sent once, failures retried with growing pauses and then
given up, never twice by two deliverers, and the backends write real e-mails."""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import timedelta
from email import policy
from email.parser import BytesParser

import pytest

from portal.db import db, transaction, utcnow
from portal.notifications.mail import (
    ConsoleBackend,
    FileBackend,
    MemoryBackend,
    PermanentMailError,
    SmtpBackend,
    create_backend,
)
from portal.notifications.models import OutboxMessage
from portal.notifications.services import deliver_outbox, retry_message
from portal.orders.services import transition_order
from tests.inventory.test_concurrency import run_in_threads
from tests.notifications.conftest import messages

LATER = timedelta(days=1)  # a "now" ahead of the clock keeps the retry times exact


class FailingBackend:
    """Refuses the first ``failures`` messages, then works."""

    def __init__(self, failures: int = 10**6, error: Exception | None = None):
        self.failures, self.error, self.sent = failures, error, []

    def send(self, message):
        if self.failures > 0:
            self.failures -= 1
            raise self.error or ConnectionRefusedError("mail server down")
        self.sent.append(message)


@pytest.fixture
def confirmed(order):
    transition_order(order, "confirmed")
    return order


def test_a_due_message_is_sent_once_and_marked_sent(confirmed, mailbox):
    counts = deliver_outbox()

    assert counts.as_dict() == {"sent": 1, "retrying": 0, "failed": 0, "skipped": 0}
    [email] = mailbox.sent
    assert email["To"] == "erika@example.com"
    assert email["Subject"] == f"Your order {confirmed.number} is confirmed"
    assert email["From"] == "Retail OMS <no-reply@example.com>"
    assert email.get_body(("plain",)).get_content().startswith("Hello Erika Mustermann,")
    assert email.get_body(("html",)) is not None
    [message] = messages()
    assert (message.status, message.attempts, message.last_error) == ("sent", 1, "")
    assert message.sent_at is not None
    assert deliver_outbox().sent == 0 and len(mailbox.sent) == 1  # nothing twice


def test_a_failing_backend_retries_with_doubling_pauses_then_marks_failed(confirmed, app):
    backend = FailingBackend()
    now = utcnow() + LATER
    pauses = []

    for _attempt in range(app.config["MAIL_MAX_ATTEMPTS"] - 1):
        counts = deliver_outbox(now=now, backend=backend)
        assert counts.retrying == 1
        message = messages()[0]
        assert message.status == "pending"
        assert "ConnectionRefusedError: mail server down" in message.last_error
        assert deliver_outbox(now=now, backend=backend).as_dict()["retrying"] == 0  # not due
        pauses.append(message.next_attempt_at - now)
        now = message.next_attempt_at

    counts = deliver_outbox(now=now, backend=backend)

    assert [p.total_seconds() for p in pauses] == [60, 120, 240, 480, 960]
    assert counts.failed == 1
    [message] = messages()
    assert (message.status, message.attempts) == ("failed", 6)
    assert "mail server down" in message.last_error
    assert deliver_outbox(now=now + LATER, backend=backend).as_dict() == {
        "sent": 0, "retrying": 0, "failed": 0, "skipped": 0}  # failed stays failed


def test_a_message_goes_out_once_the_server_is_back(confirmed):
    backend = FailingBackend(failures=1)
    now = utcnow() + LATER

    assert deliver_outbox(now=now, backend=backend).retrying == 1
    assert deliver_outbox(now=now + timedelta(seconds=61), backend=backend).sent == 1

    [message] = messages()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")
    assert len(backend.sent) == 1


def test_a_refused_recipient_fails_at_once(confirmed):
    backend = FailingBackend(error=PermanentMailError("recipient refused"))

    assert deliver_outbox(backend=backend).failed == 1

    assert messages()[0].status == "failed" and messages()[0].attempts == 1


def test_a_failed_message_can_be_given_fresh_attempts(confirmed, users):
    deliver_outbox(backend=FailingBackend(error=PermanentMailError("no")))
    message = messages()[0]

    assert retry_message(message.id, users["admin"]) is True
    assert retry_message(message.id, users["admin"]) is False  # pending now, not failed
    assert (messages()[0].status, messages()[0].attempts) == ("pending", 0)
    assert deliver_outbox(backend=MemoryBackend()).sent == 1


def test_a_message_is_not_taken_before_it_is_due(confirmed):
    OutboxMessage.update(next_attempt_at=utcnow() + timedelta(hours=1)).execute()

    assert deliver_outbox(backend=MemoryBackend()).sent == 0


def test_delivery_refuses_to_run_inside_a_transaction(confirmed):
    with pytest.raises(RuntimeError), transaction():
        deliver_outbox(backend=MemoryBackend())

    assert messages()[0].attempts == 0


def _queue(count: int) -> None:
    now = utcnow()
    OutboxMessage.insert_many([
        {"kind": "order_confirmed", "dedupe_key": f"test:{i}", "recipient": f"c{i}@example.com",
         "subject": f"Message {i}", "text_body": "Hello", "language": "en", "created_at": now,
         "next_attempt_at": now} for i in range(count)]).execute()


class SlowRecorder:
    """Records who got what; slow enough that deliverers overlap."""

    def __init__(self):
        self.recipients, self.lock = [], threading.Lock()

    def send(self, message):
        time.sleep(0.002)
        with self.lock:
            self.recipients.append(str(message["To"]))


def test_concurrent_deliverers_never_send_a_message_twice(app, ctx):
    _queue(60)
    db.close()
    backend = SlowRecorder()

    results = run_in_threads(app, lambda _i: deliver_outbox(backend=backend), 8)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert sorted(backend.recipients) == sorted(f"c{i}@example.com" for i in range(60))
    assert sum(r.sent for r in results) == 60
    assert all(r.retrying == r.failed == 0 for r in results)
    assert {m.status for m in messages()} == {"sent"}
    assert {m.attempts for m in messages()} == {1}


def test_the_file_backend_writes_a_parseable_eml(confirmed, tmp_path):
    backend = FileBackend(tmp_path / "outbox")

    assert deliver_outbox(backend=backend).sent == 1

    [path] = (tmp_path / "outbox").glob("*.eml")
    with open(path, "rb") as handle:
        email = BytesParser(policy=policy.default).parse(handle)
    assert email["To"] == "erika@example.com"
    assert email["Subject"] == f"Your order {confirmed.number} is confirmed"
    assert email["Message-ID"].startswith(f"<oms-{messages()[0].id}.")
    assert "Runner schwarz" in email.get_body(("plain",)).get_content()
    assert os.stat(path).st_mode & 0o777 == 0o600  # customers' addresses: owner only
    assert list((tmp_path / "outbox").glob("*.tmp")) == []


def test_the_console_backend_logs_the_message(confirmed, caplog):
    with caplog.at_level(logging.INFO, logger="portal.notifications.mail"):
        assert deliver_outbox(backend=ConsoleBackend()).sent == 1

    assert f"Your order {confirmed.number} is confirmed" in caplog.text
    assert "Runner schwarz" in caplog.text


class FakeSmtp:
    sessions: list = []

    def __init__(self, host, port, timeout=None, **_kwargs):
        self.calls = [("connect", host, port, timeout)]
        FakeSmtp.sessions.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.calls.append(("quit",))

    def starttls(self, context=None):
        self.calls.append(("starttls",))

    def login(self, user, password):
        self.calls.append(("login", user, password))

    def send_message(self, message, to_addrs=None):
        self.calls.append(("send", to_addrs, message["Subject"]))


def test_the_smtp_backend_uses_starttls_login_and_names_the_recipient(confirmed, monkeypatch):
    monkeypatch.setattr("smtplib.SMTP", FakeSmtp)
    FakeSmtp.sessions = []
    backend = SmtpBackend("mail.example.com", 587, "oms", "from-the-environment", use_tls=True)

    assert deliver_outbox(backend=backend).sent == 1

    [session] = FakeSmtp.sessions
    assert session.calls == [
        ("connect", "mail.example.com", 587, 30), ("starttls",),
        ("login", "oms", "from-the-environment"),
        ("send", ["erika@example.com"], f"Your order {confirmed.number} is confirmed"),
        ("quit",)]


def test_the_backend_follows_mail_backend(app, tmp_path):
    with app.app_context():
        assert isinstance(create_backend({"MAIL_BACKEND": "console"}), ConsoleBackend)
        assert isinstance(create_backend({"MAIL_BACKEND": "memory"}), MemoryBackend)
        file_backend = create_backend({"MAIL_BACKEND": "file", "MAIL_OUTBOX_DIR": tmp_path})
        assert file_backend.directory == tmp_path
        smtp = create_backend({"MAIL_BACKEND": "smtp", "MAIL_SERVER": "mx", "MAIL_PORT": 25,
                               "MAIL_USE_TLS": False})
        assert (smtp.host, smtp.port, smtp.use_tls) == ("mx", 25, False)
        with pytest.raises(RuntimeError):
            create_backend({"MAIL_BACKEND": "smtp"})  # no server
        with pytest.raises(RuntimeError):
            create_backend({"MAIL_BACKEND": "pigeon"})
