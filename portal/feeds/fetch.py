"""Getting a feed's file: download a URL (httpx, timeouts, retries with backoff by
tenacity) into a private temporary file, or take the newest matching file of a drop
folder. Either way the caller gets a seekable binary file, its SHA-256 and the time its
data is from (the file's modification time for a folder, the download's for a URL)."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from fnmatch import fnmatch
from pathlib import Path
from typing import BinaryIO

import httpx
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from config import INSTANCE_DIR
from portal.db import utcnow

log = logging.getLogger(__name__)
CHUNK = 1 << 16
DEFAULTS = {"FEED_DROP_DIR": str(INSTANCE_DIR / "feeds"), "FEED_HTTP_TIMEOUT": 30.0,
            "FEED_HTTP_ATTEMPTS": 3, "FEED_RETRY_SECONDS": 2.0, "FEED_MAX_MB": 512}


class FeedFetchError(Exception):
    """The file could not be had (after the retries); the message says why."""


class _Retryable(Exception):
    """A server error (5xx, 429) worth asking again."""


@dataclass
class FeedFile:
    handle: BinaryIO
    checksum: str
    name: str         # file name, or the URL
    data_at: datetime  # UTC, naive


def setting(name: str):
    """A feed setting from the app config, else its default."""
    if has_app_context():
        return current_app.config.get(name, DEFAULTS[name])
    return DEFAULTS[name]


def drop_dir() -> Path:
    return Path(setting("FEED_DROP_DIR")).resolve()


def resolve_folder(folder: str) -> Path | None:
    """``folder`` (relative to FEED_DROP_DIR, or absolute) as a path inside the drop
    directory; None when it points outside."""
    base = drop_dir()
    path = (base / folder.strip()).resolve()
    return path if path == base or path.is_relative_to(base) else None


@contextmanager
def open_feed_file(feed):
    """The feed's file as a FeedFile (closed afterwards); FeedFetchError when none."""
    if feed.source == "folder":
        found = newest_file(feed)
        with found.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
            handle.seek(0)
            mtime = datetime.fromtimestamp(found.stat().st_mtime, UTC).replace(tzinfo=None)
            yield FeedFile(handle, digest, found.name, min(mtime, utcnow()))
        return
    with tempfile.TemporaryFile() as handle:
        digest = download(feed.url, handle)
        handle.seek(0)
        yield FeedFile(handle, digest, feed.url, utcnow())


def newest_file(feed) -> Path:
    """The newest file in the feed's folder whose name matches its pattern."""
    folder = resolve_folder(feed.folder)
    if folder is None:
        raise FeedFetchError(str(_l("The folder is outside the feed drop directory.")))
    try:
        files = [p for p in folder.iterdir() if not p.name.startswith(".")
                 and fnmatch(p.name, feed.filename_pattern or "*") and p.is_file()
                 and not p.is_symlink()]  # a link could point outside the drop folder
    except OSError as error:
        raise FeedFetchError(str(_l("The folder %(folder)s cannot be read (%(detail)s).",
                                    folder=feed.folder, detail=error.strerror))) from error
    if not files:
        raise FeedFetchError(str(_l("No file matching %(pattern)s in %(folder)s.",
                                    pattern=feed.filename_pattern, folder=feed.folder)))
    return max(files, key=lambda p: (p.stat().st_mtime, p.name))


def download(url: str, target: BinaryIO) -> str:
    """Stream ``url`` into ``target`` with FEED_HTTP_ATTEMPTS tries (timeouts, connection
    errors, 5xx and 429 are tried again after FEED_RETRY_SECONDS, doubling); return the
    SHA-256 of the body. Raises FeedFetchError."""
    timeout = float(setting("FEED_HTTP_TIMEOUT"))
    retrying = Retrying(
        stop=stop_after_attempt(max(1, int(setting("FEED_HTTP_ATTEMPTS")))),
        wait=wait_exponential(multiplier=float(setting("FEED_RETRY_SECONDS")), max=60),
        retry=retry_if_exception(lambda e: isinstance(e, _Retryable | httpx.TransportError)),
        before_sleep=lambda state: log.warning("feed %s: attempt %s failed (%s), retrying",
                                               url, state.attempt_number,
                                               state.outcome.exception()),
        reraise=True)
    try:
        with httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=True,
                          headers={"User-Agent": "retail-oms-feeds/1"}) as client:
            for attempt in retrying:
                with attempt:
                    return _get(client, url, target)
    except _Retryable as error:
        raise FeedFetchError(str(_l("The server answered %(status)s, also after %(n)s "
                                    "attempts.", status=str(error),
                                    n=setting("FEED_HTTP_ATTEMPTS")))) from error
    except httpx.TimeoutException as error:
        raise FeedFetchError(str(_l("No answer within %(s)s seconds, also after %(n)s "
                                    "attempts.", s=timeout,
                                    n=setting("FEED_HTTP_ATTEMPTS")))) from error
    except httpx.HTTPError as error:
        raise FeedFetchError(str(_l("The download failed: %(detail)s",
                                    detail=str(error)[:300] or type(error).__name__))) from error
    raise AssertionError("unreachable")  # pragma: no cover - Retrying returns or raises


def _get(client: httpx.Client, url: str, target: BinaryIO) -> str:
    limit = int(setting("FEED_MAX_MB")) * 1024 * 1024
    target.seek(0)
    target.truncate()
    digest, size = hashlib.sha256(), 0
    with client.stream("GET", url) as response:
        if response.status_code >= 500 or response.status_code == 429:
            raise _Retryable(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise FeedFetchError(str(_l("The server answered HTTP %(status)s.",
                                        status=response.status_code)))
        for chunk in response.iter_bytes(CHUNK):
            size += len(chunk)
            if size > limit:
                raise FeedFetchError(str(_l("The file is larger than %(mb)s MB.",
                                            mb=setting("FEED_MAX_MB"))))
            digest.update(chunk)
            target.write(chunk)
    return digest.hexdigest()
