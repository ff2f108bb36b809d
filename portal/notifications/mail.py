"""The mail interface: compose an ``EmailMessage`` and hand it to a backend.

``MAIL_BACKEND`` picks one: ``file`` writes one .eml per message into ``MAIL_OUTBOX_DIR``
(instance/outbox; the development default), ``console`` logs it, ``smtp`` sends it
through ``MAIL_SERVER`` (settings and password from the environment only), ``memory``
keeps it in a list (tests). A backend raises on failure; ``PermanentMailError`` means
a retry cannot help (the server refused the address).
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
import threading
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app

from portal.db import utcnow

log = logging.getLogger(__name__)


class PermanentMailError(Exception):
    """The message can never be delivered as it is (e.g. the recipient was refused)."""


class MailBackend(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` or raise."""


def valid_recipient(address: str) -> bool:
    """Exactly one plain address (no display name, no list): safe for a To header."""
    try:
        return bool(address) and Address(addr_spec=address).addr_spec == address
    except (ValueError, IndexError):
        return False


def compose(*, sender: str, recipient: str, subject: str, text: str, html: str | None,
            message_id: str, created_at: datetime, language: str) -> EmailMessage:
    """The e-mail of one outbox row: plain text, plus an HTML alternative when given."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(created_at.replace(tzinfo=UTC))
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    # After the parts: making the message multipart moves every Content-* header set
    # before into the text part.
    message["Content-Language"] = language
    return message


def sender_domain(sender: str) -> str:
    """The domain of the From address, for Message-IDs."""
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"


class ConsoleBackend:
    """Logs each message (headers and text part) instead of sending it."""

    def send(self, message: EmailMessage) -> None:
        body = message.get_body(("plain",))
        log.info("E-mail to %s: %s\n%s", message["To"], message["Subject"],
                 body.get_content() if body is not None else "")


class FileBackend:
    """Writes each message as an .eml file (open it with any mail program)."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9._-]", "_", str(message["Message-ID"]).strip("<>"))
        path = self.directory / f"{utcnow():%Y%m%d-%H%M%S}-{name}.eml"
        temporary = path.with_suffix(".tmp")
        # The files hold customers' addresses: readable by the portal's user only.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(message.as_bytes())
        os.replace(temporary, path)  # never a half-written .eml


class SmtpBackend:
    """Sends through an SMTP server; STARTTLS (``MAIL_USE_TLS``) or implicit TLS
    (``MAIL_USE_SSL``), login when a user name is set."""

    def __init__(self, host: str, port: int, username: str = "", password: str = "",
                 use_tls: bool = True, use_ssl: bool = False, timeout: float = 30):
        self.host, self.port, self.timeout = host, port, timeout
        self.username, self.password = username, password
        self.use_tls, self.use_ssl = use_tls, use_ssl

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        if self.use_ssl:
            server = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                      context=context)
        else:
            server = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with server:
            if self.use_tls and not self.use_ssl:
                server.starttls(context=context)
            if self.username:
                server.login(self.username, self.password)
            try:
                # Recipients named explicitly: never derived from headers.
                server.send_message(message, to_addrs=[str(message["To"])])
            except smtplib.SMTPRecipientsRefused as error:
                raise PermanentMailError(f"recipient refused: {error.recipients}") from error


class MemoryBackend:
    """Keeps the messages in ``sent`` (tests read them)."""

    def __init__(self):
        self.sent: list[EmailMessage] = []
        self._lock = threading.Lock()

    def send(self, message: EmailMessage) -> None:
        with self._lock:
            self.sent.append(message)


def create_backend(config) -> MailBackend:
    """The backend that ``MAIL_BACKEND`` names, configured from the settings."""
    kind = config.get("MAIL_BACKEND", "file")
    if kind == "console":
        return ConsoleBackend()
    if kind == "file":
        return FileBackend(config.get("MAIL_OUTBOX_DIR") or Path(current_app.instance_path,
                                                                 "outbox"))
    if kind == "smtp":
        if not config.get("MAIL_SERVER"):
            raise RuntimeError("MAIL_BACKEND=smtp needs MAIL_SERVER")
        return SmtpBackend(config["MAIL_SERVER"], int(config.get("MAIL_PORT", 587)),
                           config.get("MAIL_USERNAME", ""), config.get("MAIL_PASSWORD", ""),
                           bool(config.get("MAIL_USE_TLS", True)),
                           bool(config.get("MAIL_USE_SSL", False)),
                           float(config.get("MAIL_TIMEOUT", 30)))
    if kind == "memory":
        return MemoryBackend()
    raise RuntimeError(f"Unknown MAIL_BACKEND {kind!r} (console, file, smtp, memory)")


def mail_backend(app: Flask | None = None) -> MailBackend:
    """The application's backend, created once (so the memory backend keeps its list)."""
    app = app or current_app._get_current_object()
    backend = app.extensions.get("mail_backend")
    if backend is None:
        with app.app_context():
            backend = app.extensions.setdefault("mail_backend", create_backend(app.config))
    return backend
