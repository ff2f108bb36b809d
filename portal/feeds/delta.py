"""Comparing a feed's file with the previous one instead of with the stock.

A supplier's daily file mostly repeats yesterday's. After an import commits, its file is
kept as the feed's *baseline* (``FEED_BASELINE_DIR/<feed id>-<sha256>.csv``, named by its
content and written before the feed points at it, so a name always means that content)
and the feed stores what the next run needs (``SupplierFeed.baseline``: checksum,
settings fingerprint, when the import started, the SKUs it did not know).

``plan(feed, file, spec)`` then compares the new file with the baseline before anything
is parsed: by position when it lists the same SKUs in the same order (``_aligned``, the
usual case: both files are split into lines and compared by C loops), else keyed by SKU
(``_compare``: the baseline in a dict SKU → raw line, the new file a chunk at a time).
Only the lines that differ, are new or belong to a *dirty* SKU go on to the parser and
the staging table;
SKUs the baseline or a dirty level had and the new file lacks are returned as
``left_out``. The rest of the import (checks, set-based apply in one transaction) is
the same as for a full comparison.

Why this equals comparing with the stock: when the baseline's import committed, every
level of its SKUs held the line's quantity (a full snapshot also left every other level
at 0). Any later change of a level writes a ledger row (the nightly stock check proves
it), so the SKUs with ledger rows at the location other than this feed's own, since
that import started less ``MARGIN`` (for transactions that committed late), are dirty
and compared like new lines; so are the SKUs that were unknown then and are products
now. For every other SKU the baseline's line still says what the level is.

``plan`` returns None, and the import compares with the stock as before, when there is
no usable baseline (first run, other settings, file gone), for JSON files, feeds with
incoming columns (deliveries change without ledger rows), encodings that are not
ASCII-compatible, a file whose lines cannot be keyed safely (quotes, a lone carriage
return, a SKU twice: the full comparison then names the bad lines), or one where most
lines differ (then the streamed full comparison needs less memory).
"""

from __future__ import annotations

import codecs
import csv
import gc
import hashlib
import io
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import compress, islice, repeat
from operator import lt, ne
from pathlib import Path

from flask import current_app, has_app_context

from config import INSTANCE_DIR
from portal.feeds.parse import ParseSpec
from portal.feeds.staging import execute
from portal.inventory.models import StockMovement

log = logging.getLogger(__name__)
MARGIN = timedelta(hours=1)
ASCII_COMPATIBLE = {"utf-8", "cp1252", "iso8859-1", "iso8859-15"}
MAX_UNKNOWN = 5_000  # more unknown SKUs than this: the baseline does not keep them
CHUNK = 500           # SKUs per IN (...) query
CHUNK_BYTES = 1 << 22  # lines read and compared at a time
MAX_BASELINE_MB = 64  # the baseline is held in memory (about 9x its size)
_SEEN = b""  # a SKU read from the new file (no line of the baseline is empty)
MAX_DIFFERING = 100_000  # more lines differ (and more than half): compare with the stock
ALIGNED_GROWTH = 1.25  # a new file up to this much larger than the baseline is read whole


class _Unsafe(Exception):
    """The files cannot be compared line by line; compare with the stock instead."""


@dataclass
class Delta:
    """What differs from the baseline: the header and the lines to parse (with their
    numbers in the new file), counts of the lines skipped, and the SKUs left out."""

    lines: list[tuple[int, bytes]]
    rows: int = 0            # data lines of the new file with a SKU
    unchanged: int = 0       # of those, skipped as the baseline has them
    left_out: list[str] = field(default_factory=list)
    unknown: list[tuple[int, str]] = field(default_factory=list)  # skipped, not products


def enabled() -> bool:
    return not has_app_context() or current_app.config.get("FEED_DELTA", True)


def baseline_dir() -> Path:
    default = INSTANCE_DIR / "feed-baselines"
    if has_app_context():
        return Path(current_app.config.get("FEED_BASELINE_DIR") or default)
    return default


def fingerprint(feed) -> str:
    """The settings a baseline is only valid for."""
    settings = [feed.location_id, feed.format, feed.delimiter, feed.encoding,
                feed.columns, bool(feed.full_snapshot)]
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def _path(feed_id: int, checksum: str) -> Path:
    return baseline_dir() / f"{feed_id}-{checksum}.csv"


def plan(feed, handle, spec: ParseSpec) -> Delta | None:
    """The lines of ``handle`` to parse (see the module docstring), or None."""
    base = feed.baseline_info
    reason = _unusable(feed, base, spec)
    if reason:
        log.info("feed %s: full comparison (%s)", feed.id, reason)
        return None
    codec = codecs.lookup(spec.encoding).name
    unknown = set(base.get("unknown", ()))
    collecting = gc.isenabled()
    gc.disable()  # a million lines, no cycles: the collector's passes would cost a third
    try:
        old_data = _path(feed.id, base["checksum"]).read_bytes()
        dirty = _dirty(feed, base)
        handle.seek(0)
        found = _aligned(handle, old_data, dirty, spec, codec, unknown)
        if found is None:
            header, old = _read_baseline(io.BytesIO(old_data), spec, codec)
            del old_data
            handle.seek(0)
            found = _compare(handle, header, old, dirty, spec, codec, unknown)
        return found
    except (_Unsafe, OSError, UnicodeDecodeError, csv.Error) as error:
        log.info("feed %s: full comparison (%s)", feed.id, error)
        return None
    finally:
        handle.seek(0)
        if collecting:
            gc.enable()


def _unusable(feed, base: dict, spec: ParseSpec) -> str:
    """Why no baseline can be used ("" when one can)."""
    if not enabled():
        return "FEED_DELTA is off"
    if spec.format != "csv" or spec.with_incoming:
        return "JSON or incoming columns"
    if codecs.lookup(spec.encoding).name not in ASCII_COMPATIBLE:
        return f"encoding {spec.encoding}"
    if not base.get("applied_at") or base.get("fingerprint") != fingerprint(feed):
        return "no baseline for these settings"
    path = _path(feed.id, base["checksum"])
    if not path.is_file():
        return "baseline file missing"
    if path.stat().st_size > MAX_BASELINE_MB * 2**20:
        return f"baseline larger than {MAX_BASELINE_MB} MB"
    return ""


def _sku_column(header: bytes, spec: ParseSpec, codec: str) -> int:
    text = header.decode("utf-8-sig" if codec == "utf-8" else codec)
    names = [name.strip().lower() for name in next(csv.reader([text],
                                                              delimiter=spec.delimiter), [])]
    try:
        return names.index(spec.sku.strip().lower())
    except ValueError:
        raise _Unsafe("no SKU column") from None


def _chunks(handle) -> Iterator[list[bytes]]:
    """The rest of ``handle`` as lists of lines without their ends, CHUNK_BYTES at a
    time; _Unsafe when a quote or a lone carriage return would make lines differ from
    CSV records."""
    while data := handle.read(CHUNK_BYTES):
        data += handle.readline()
        yield _lines(data)


def _lines(data: bytes) -> list[bytes]:
    """``data`` split into lines without their ends; _Unsafe when a quote or a lone
    carriage return would make lines differ from CSV records."""
    if b'"' in data:
        raise _Unsafe("quoted values")
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        raise _Unsafe("a carriage return inside a line")
    return data.splitlines()


def _keys(lines: list[bytes], delimiter: bytes, at: int, codec: str) -> list[bytes]:
    """The SKU column of each line, stripped as the parser strips it (b"" when empty or
    missing)."""
    if at == 0:
        keys = [line.split(delimiter, 1)[0].strip() for line in lines]
    else:
        keys = [(parts[at] if len(parts) > at else b"").strip()
                for parts in (line.split(delimiter, at + 1) for line in lines)]
    if not all(map(bytes.isascii, keys)):
        keys = [key if key.isascii() else _normal(key, codec) for key in keys]
    return keys


def _normal(key: bytes, codec: str) -> bytes:
    try:  # str.strip also removes non-ASCII spaces (a no-break space, say)
        return key.decode(codec).strip().encode(codec)
    except UnicodeError:
        return b""  # the parser names the line


def _read_baseline(old_file, spec: ParseSpec, codec: str) -> tuple[bytes, dict]:
    """The baseline's header and its data lines by SKU (it was imported, so each SKU is
    there once)."""
    header = old_file.readline()
    at, delimiter = _sku_column(header, spec, codec), spec.delimiter.encode(codec)
    old: dict[bytes, bytes] = {}
    for lines in _chunks(old_file):
        old.update(zip(_keys(lines, delimiter, at, codec), lines, strict=True))
    old.pop(b"", None)
    return header, old


def _dirty(feed, base: dict) -> set[str]:
    """SKUs whose level may differ from the baseline: moved by anything but this feed's
    imports since the baseline's import started (less MARGIN), or unknown then and
    products now. (An earlier import of the feed committed before the baseline's began,
    so the baseline already reflects it.) The baseline import's own ledger rows all carry
    its one time (``applied_at``), so they are skipped by the ranges before and after
    it; rows at that very time are read only when there are more of them than it wrote."""
    since = StockMovement.at.db_value(datetime.fromisoformat(base["started_at"]) - MARGIN)
    own = StockMovement.at.db_value(datetime.fromisoformat(base["applied_at"]))
    where = ("FROM stock_movement m JOIN product p ON p.id = m.product_id "
             "WHERE m.location_id = ? AND (m.kind <> 'feed_sync' OR m.reference <> ?)")
    location, reference = feed.location_id, f"FEED-{feed.id}"
    dirty = {sku for (sku,) in execute(
        f"SELECT DISTINCT p.sku {where} AND ((m.at >= ? AND m.at < ?) OR m.at > ?)",  # noqa: S608
        (location, reference, since, own, own))}
    (at_own,) = execute("SELECT COUNT(*) FROM stock_movement WHERE location_id = ? AND at = ?",
                        (location, own)).fetchone()
    if at_own != base.get("applied_rows"):
        dirty.update(sku for (sku,) in execute(
            f"SELECT DISTINCT p.sku {where} AND m.at = ?",  # noqa: S608
            (location, reference, own)))
    unknown = list(base.get("unknown", ()))
    for start in range(0, len(unknown), CHUNK):
        chunk = unknown[start:start + CHUNK]
        marks = ", ".join("?" * len(chunk))
        dirty.update(sku for (sku,) in execute(
            f"SELECT sku FROM product WHERE sku IN ({marks})", tuple(chunk)))  # noqa: S608
    return dirty


def _aligned(handle, old_data: bytes, dirty: set[str], spec: ParseSpec, codec: str,
             unknown: set[str]) -> Delta | None:
    """The fast path for a file that lists the baseline's SKUs in the baseline's order, as
    a supplier's export usually does: lines are compared by position (C loops over both
    files read whole), and no dict of the baseline is built. None, for ``_compare`` to
    match lines by SKU, when the line counts differ or a differing line's SKU is not the
    baseline's at that position. Then every line's SKU equals the baseline's line's, so
    each line meets the same baseline line as in ``_compare`` and the baseline's SKUs are
    all in the new file (none left out)."""
    new_data = handle.read(int(len(old_data) * ALIGNED_GROWTH) + 4096)
    if handle.read(1):  # far larger than the baseline: not the same lines
        return None
    old_rows, new_rows = _lines(old_data), _lines(new_data)
    del old_data, new_data
    if len(old_rows) != len(new_rows) or not new_rows:
        return None
    header = new_rows.pop(0)
    if old_rows.pop(0) != header:
        raise _Unsafe("the header changed")
    at, delimiter = _sku_column(header, spec, codec), spec.delimiter.encode(codec)
    count = len(new_rows)
    differ = set(compress(range(count), map(ne, new_rows, old_rows)))
    if differ and (_keys([new_rows[i] for i in differ], delimiter, at, codec)
                   != _keys([old_rows[i] for i in differ], delimiter, at, codec)):
        return None
    del old_rows
    keys = _keys(new_rows, delimiter, at, codec)
    blank = keys.count(b"")
    # Exports sorted by SKU (the usual case) prove each SKU once without a set.
    if not all(map(lt, keys, islice(keys, 1, None))) \
            and len(set(keys)) + max(blank - 1, 0) != count:
        raise _Unsafe("a SKU twice")
    dirty_keys = {sku.encode(codec) for sku in dirty}
    listed = set()
    if dirty_keys:
        dirty_at = list(compress(range(count), map(dirty_keys.__contains__, keys)))
        differ.update(dirty_at)
        listed = {keys[i] for i in dirty_at}
    delta = Delta(lines=[(1, header)] + [(i + 2, new_rows[i]) for i in sorted(differ)],
                  rows=count - blank, unchanged=count - len(differ))
    if len(delta.lines) > max(MAX_DIFFERING, delta.rows // 2):
        raise _Unsafe("most lines differ")
    if unknown_keys := {sku.encode(codec) for sku in unknown}:
        delta.unknown = [(i + 2, keys[i].decode(codec)) for i in compress(
            range(count), map(unknown_keys.__contains__, keys)) if i not in differ]
    delta.left_out = sorted(key.decode(codec) for key in dirty_keys - listed)
    return delta


def _compare(handle, header: bytes, old: dict, dirty: set[str], spec: ParseSpec,
             codec: str, unknown: set[str]) -> Delta:
    """One pass over the new file, a chunk of lines at a time, with the per-line work
    done by C loops (map, compress) over the chunk's keys: see the module docstring.
    A SKU read is marked in ``old`` by the value ``_SEEN`` (which also lets the baseline's
    line go), so a SKU twice and the SKUs left out are found without a second set."""
    if handle.readline().rstrip(b"\r\n") != header.rstrip(b"\r\n"):
        raise _Unsafe("the header changed")
    at, delimiter = _sku_column(header, spec, codec), spec.delimiter.encode(codec)
    dirty_keys = {sku.encode(codec) for sku in dirty}
    unknown_keys = {sku.encode(codec) for sku in unknown}
    delta = Delta(lines=[(1, header)])
    first = 2
    for lines in _chunks(handle):
        keys = _keys(lines, delimiter, at, codec)
        held = list(map(old.get, keys))
        blank = keys.count(b"")
        if held.count(_SEEN) or len(set(keys)) + max(blank - 1, 0) != len(keys):
            raise _Unsafe("a SKU twice")
        differ = set(compress(range(len(lines)), map(ne, held, lines)))
        if dirty_keys:
            differ.update(compress(range(len(lines)), map(dirty_keys.__contains__, keys)))
        delta.lines += [(first + i, lines[i]) for i in sorted(differ)]
        if unknown_keys:
            delta.unknown += [(first + i, keys[i].decode(codec)) for i in compress(
                range(len(lines)), map(unknown_keys.__contains__, keys)) if i not in differ]
        old.update(zip(keys, repeat(_SEEN)))
        old.pop(b"", None)
        delta.rows += len(keys) - blank
        delta.unchanged += len(keys) - len(differ)
        first += len(lines)
        if len(delta.lines) > max(MAX_DIFFERING, delta.rows // 2):  # memory stays bounded
            raise _Unsafe("most lines differ")
    left_out = [key for key, line in old.items() if line]
    left_out += [key for key in dirty_keys if old.get(key) is None]
    delta.left_out = sorted(key.decode(codec) for key in left_out)
    return delta


def store(feed, handle, checksum: str, started_at: datetime, unknown: list[str],
          applied_at: datetime, applied_rows: int) -> dict:
    """Write the applied file as the feed's next baseline (before the import commits, so
    the feed never names a file that is not there); returns the feed's new ``baseline``
    value, empty when the file cannot serve as one."""
    if feed.format != "csv" or not enabled() or len(unknown) > MAX_UNKNOWN:
        return {}
    folder = baseline_dir()
    target = _path(feed.id, checksum)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not target.is_file():
            handle.seek(0)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".tmp-", delete=False) as tmp:
                while chunk := handle.read(1 << 20):
                    tmp.write(chunk)
            os.replace(tmp.name, target)
    except OSError as error:
        log.warning("feed %s: baseline not kept (%s)", feed.id, error)
        return {}
    return {"checksum": checksum, "fingerprint": fingerprint(feed),
            "started_at": started_at.isoformat(), "applied_at": applied_at.isoformat(),
            "applied_rows": applied_rows, "unknown": sorted(unknown)}


def prune(feed_id: int, checksum: str = "") -> None:
    """Remove the feed's baselines other than ``checksum``'s (after the commit)."""
    folder = baseline_dir()
    if folder.is_dir():
        for path in folder.glob(f"{feed_id}-*.csv"):
            if path.name != f"{feed_id}-{checksum}.csv":
                path.unlink(missing_ok=True)
