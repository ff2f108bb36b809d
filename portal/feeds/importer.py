"""Importing a supplier feed, all or nothing.

``import_feed(feed, ctx)``: get the file (``fetch.py``); when its SHA-256 equals the last
applied file's, nothing is read and nothing written but the feed's freshness. Otherwise
the file is compared with the previous applied file where that is exact (``delta.py``),
else with the location's stock; the lines that differ are parsed and staged
(``parse.py``, ``staging.py``: every bad line is reported with its number), checked
against the database, and only when no line is bad applied in one transaction
(``apply.py``), which also keeps the file as the next run's baseline. A bad file leaves
the old stock; the feed keeps the report of its newest run. SKUs the catalogue does not
have are skipped and counted (suppliers list more than we sell). ``import_all(ctx)`` runs
every active feed that is due; it is the job the scheduler runs (``feeds.import_all``).
"""

from __future__ import annotations

import json
import logging
import time
from contextlib import suppress
from dataclasses import asdict, dataclass, field

import peewee
from flask_babel import lazy_gettext as _l

from portal.db import db, transaction, utcnow
from portal.feeds import delta, staging
from portal.feeds.apply import StockMoved, apply_rows, check_rows
from portal.feeds.fetch import FeedFetchError, open_feed_file
from portal.feeds.freshness import forget_freshness
from portal.feeds.models import SupplierFeed
from portal.feeds.parse import FeedFormatError, FeedReader, spec_of
from portal.feeds.staging import BadLines
from portal.jobs.context import MAX_ERRORS, JobContext

log = logging.getLogger(__name__)
APPLY_TRIES = 3


@dataclass
class ImportResult:
    """What one run of a feed did; ``status`` is ok, unchanged (same file) or failed."""

    feed_id: int
    status: str
    rows: int = 0        # data rows read, good or bad
    changed: int = 0     # stock levels changed (one ledger row each)
    created: int = 0     # of those, new stock rows
    unknown: int = 0     # rows whose SKU is not in the catalogue (skipped)
    missing: int = 0     # location rows with stock that the file leaves out
    compared_with: str = ""  # "stock" (every line) or "baseline" (the previous file)
    unchanged: int = 0   # lines skipped unparsed as the baseline has them
    incoming: int = 0    # incoming deliveries added, changed or cancelled
    errors: int = 0      # bad lines (and problems of the whole file)
    file: str = ""
    checksum: str = ""
    message: str = ""
    problems: list[dict] = field(default_factory=list)  # the first MAX_ERRORS
    unknown_sample: list[dict] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per phase


class _Phases:
    """Adds the wall time since the last lap to ``seconds[name]`` (retries add up):
    fetch (download or checksum), known (the location's stock) or compare (with the
    baseline), parse_stage (parse, compare, stage: one streamed pass), resolve, check,
    write (with keeping the baseline), commit."""

    def __init__(self, seconds: dict[str, float]):
        self.seconds, self.mark = seconds, time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(self.seconds.get(name, 0.0) + now - self.mark, 3)
        self.mark = now


class _Problems:
    """Collects bad lines for the report and hands each to the job context."""

    def __init__(self, result: ImportResult, ctx: JobContext):
        self.result, self.ctx = result, ctx

    def __call__(self, line: int | None, message: str) -> None:
        self.result.errors += 1
        if len(self.result.problems) < MAX_ERRORS:
            self.result.problems.append({"line": line, "message": message})
        self.ctx.error(message, line)


def import_feed(feed: SupplierFeed, ctx: JobContext | None = None) -> ImportResult:
    """Run one feed now (see the module docstring); the result is also stored on it."""
    ctx = ctx or JobContext()
    feed = SupplierFeed.get_by_id(feed.id)
    result = ImportResult(feed.id, "failed")
    problems = _Problems(result, ctx)
    opened = db.is_closed()
    if opened:
        db.connect()
    phases = _Phases(result.seconds)
    try:
        with open_feed_file(feed) as file:
            phases.lap("fetch")
            result.file, result.checksum = file.name, file.checksum
            if file.checksum == feed.last_checksum and feed.last_status in ("ok", "unchanged"):
                result.status, result.rows = "unchanged", feed.last_rows
                result.message = str(_l("Same file as last time; nothing to do."))
                _record(feed, result, file.data_at)
                return result
            _import_file(feed, file, ctx, result, problems, phases)
            _record(feed, result, file.data_at if result.status == "ok" else None)
    except FeedFetchError as error:
        problems(None, str(error))
        result.message = str(error)
        _record(feed, result, None)
    except Exception as error:  # a bug or a lost database: the feed shows it, the job too
        result.status, result.message = "failed", f"{type(error).__name__}: {error}"[:1000]
        with suppress(Exception):  # the original error is the one to raise
            _record(feed, result, None)
        raise
    finally:
        if opened and not db.is_closed():
            db.close()
    return result


@dataclass
class _Staged:
    """What staging left for the checks: rows staged, whether some may need a new level,
    the SKUs with stock here that the file leaves out, unknown SKUs skipped unparsed."""

    rows: int
    new_levels: bool
    left_out: list[str]
    unknown: list[tuple[int, str]] = field(default_factory=list)


def _stage_all(feed, file, spec, ctx: JobContext, result: ImportResult, problems,
               phases: _Phases) -> _Staged:
    """Compare every line with the location's stock, read once (``KnownStock``)."""
    known = staging.KnownStock(feed.location_id, not spec.with_incoming, problems)
    phases.lap("known")
    reader = FeedReader(file.handle, spec, problems,
                        lambda rows: ctx.progress(rows, message=str(_l("Reading"))))
    try:
        with db.atomic():  # the temporary tables only: no lock on the real ones
            staging.stage(known.filter(reader.good_rows()), spec.with_incoming)
    except FeedFormatError as error:
        problems(error.line, str(error))
    phases.lap("parse_stage")
    result.rows = reader.rows
    return _Staged(known.staged, known.new > 0, known.left_out())


def _stage_delta(feed, file, spec, plan: delta.Delta, ctx: JobContext, result: ImportResult,
                 problems, phases: _Phases) -> _Staged:
    """Parse and stage only the lines that differ from the baseline (``delta.py``)."""
    reader = FeedReader(file.handle, spec, problems,
                        lambda rows: ctx.progress(plan.unchanged + rows,
                                                  message=str(_l("Reading"))),
                        lines=plan.lines)
    try:
        with db.atomic():
            staging.stage(reader.good_rows(), spec.with_incoming)
    except FeedFormatError as error:
        problems(error.line, str(error))
    phases.lap("parse_stage")
    result.rows = plan.unchanged + reader.rows
    return _Staged(reader.good, True, staging.with_stock(feed.location_id, plan.left_out),
                   plan.unknown)


def _import_file(feed, file, ctx: JobContext, result: ImportResult, problems,
                 phases: _Phases) -> None:
    spec = spec_of(feed)
    reference = f"FEED-{feed.id}"
    started_at = utcnow()
    try:
        staging.create(spec.with_incoming)
        plan = delta.plan(feed, file.handle, spec)
        if plan is None:
            result.compared_with = "stock"
            staged = _stage_all(feed, file, spec, ctx, result, problems, phases)
        else:
            result.compared_with, result.unchanged = "baseline", plan.unchanged
            phases.lap("compare")
            staged = _stage_delta(feed, file, spec, plan, ctx, result, problems, phases)
        ctx.read(result.rows)
        ctx.progress(result.rows, message=str(_l("Checking")), force=True)
        result.missing = len(staged.left_out)
        if feed.full_snapshot and staged.left_out and not result.errors:
            blank = (None, None) if spec.with_incoming else ()
            with db.atomic():
                staging.stage(((0, sku, 0, *blank) for sku in staged.left_out),
                              spec.with_incoming)
            staged.rows += len(staged.left_out)
        checked = staging.Checked()
        staging.resolve(staged.rows, spec.with_incoming, checked)
        _count_unknown(result, checked, staged.unknown)
        unknown = [] if result.unknown > delta.MAX_UNKNOWN else \
            (staging.unknown_skus(delta.MAX_UNKNOWN) if checked.unknown else []) \
            + [sku for _, sku in staged.unknown]
        new_levels = staged.new_levels
        del staged
        phases.lap("resolve")
        if result.errors or checked.bad:  # name what the stock refuses too, then stop
            checked.bad += check_rows(feed.location_id, reference, spec.with_incoming)
            phases.lap("check")
        for line, message in sorted(checked.bad, key=lambda bad: bad[0] or 0):
            problems(line, message)
        _apply(feed, file, ctx, result, problems, phases, spec, started_at, unknown,
               new_levels)
    finally:
        staging.drop()


def _count_unknown(result: ImportResult, checked: staging.Checked,
                   skipped: list[tuple[int, str]]) -> None:
    """Unknown SKUs: those staged and those a baseline comparison skipped unparsed."""
    result.unknown = checked.unknown + len(skipped)
    sample = checked.unknown_sample + [{"line": line, "sku": sku}
                                       for line, sku in skipped[:staging.SAMPLE]]
    result.unknown_sample = sorted(sample, key=lambda row: row["line"])[:staging.SAMPLE]


def _apply(feed, file, ctx: JobContext, result: ImportResult, problems, phases: _Phases,
           spec, started_at, unknown: list[str], new_levels: bool) -> None:
    """Write the checked rows in one transaction (tried again when stock moved) and keep
    the file as the next run's baseline."""
    reference = f"FEED-{feed.id}"
    for attempt in range(1, APPLY_TRIES + 1):
        if result.errors:
            result.message = str(_l("%(n)s problems in the file; nothing was changed.",
                                    n=result.errors))
            problems(None, result.message)
            return
        ctx.progress(result.rows, message=str(_l("Applying")), force=True)
        try:
            with transaction():
                applied = apply_rows(feed.location_id, f"feed {feed.name}: {file.name}",
                                     reference, spec.with_incoming, new_levels)
                result.status, result.changed = "ok", applied.changed
                result.created, result.incoming = applied.created, applied.incoming
                phases.lap("write")
                baseline = delta.store(feed, file.handle, file.checksum, started_at, unknown,
                                       applied.at, applied.changed)
                _save(feed, result, file.data_at, baseline)
            phases.lap("commit")
            delta.prune(feed.id, baseline.get("checksum", ""))
            ctx.changed(applied.changed)
            return
        except BadLines as error:
            phases.lap("write")
            for line, message in error.bad:
                problems(line, message)
        except (StockMoved, peewee.IntegrityError, peewee.OperationalError) as error:
            phases.lap("write")
            log.warning("feed %s: apply try %s failed: %s", feed.id, attempt, error)
    result.message = str(_l("Stock kept changing while the feed was applied; nothing "
                            "was changed. The next run tries again."))
    problems(None, result.message)


def _record(feed: SupplierFeed, result: ImportResult, data_at) -> None:
    """Store the run's result on the feed in a transaction of its own."""
    with transaction():
        _save(feed, result, data_at)


def _save(feed: SupplierFeed, result: ImportResult, data_at, baseline: dict | None = None
          ) -> None:
    """Store the result (in the caller's transaction). ``data_at`` (the data's time) is
    given only for a success; a failure keeps the last good time and checksum. A
    success also names the baseline kept of its file (``baseline``; {}: none)."""
    now = utcnow()
    values = {"last_run_at": now, "last_status": result.status,
              "last_error": "" if result.status != "failed" else result.message[:1000],
              "last_report": json.dumps(_report(result)), "updated_at": now}
    if result.status != "unchanged":
        values.update(last_rows=result.rows, last_changed=result.changed)
    else:
        values.update(last_changed=0)
    if data_at is not None:
        values.update(last_success_at=max(data_at, feed.last_success_at or data_at),
                      last_checksum=result.checksum)
    if baseline is not None:
        values.update(baseline=json.dumps(baseline) if baseline else "")
    SupplierFeed.update(**values).where(SupplierFeed.id == feed.id).execute()
    forget_freshness()


def _report(result: ImportResult) -> dict:
    data = asdict(result)
    data["error_count"] = data.pop("errors")
    data["errors"] = data.pop("problems")
    return data


def due_feeds(now=None) -> list[SupplierFeed]:
    """Active feeds whose ``every_minutes`` have passed since their last run."""
    now = now or utcnow()
    feeds = SupplierFeed.select().where(SupplierFeed.active == True)  # noqa: E712
    return [feed for feed in feeds.order_by(SupplierFeed.id) if feed.is_due(now)]


class FeedsFailed(Exception):
    """The job's outcome when any due feed failed: raised after every due feed ran, so the
    ``feeds`` run ends ``failed`` (the runner records the message) while the feeds that
    succeeded stay imported. ``results`` holds the finished imports."""

    def __init__(self, failed: list[tuple[str, str]], total: int,
                 results: list[ImportResult]):
        names = "; ".join(f"{name}: {message}" for name, message in failed)
        super().__init__(str(_l("%(failed)s of %(total)s feeds failed (%(names)s); the "
                                "others were imported.", failed=len(failed), total=total,
                                names=names[:1500])))
        self.failed, self.results = failed, results


def import_all(ctx: JobContext) -> list[ImportResult]:
    """The job: import every active feed that is due; one feed's failure does not stop
    the others. Each feed's problems reach ``ctx`` prefixed with its name. When any feed
    failed (a bad file, a download that failed after its retries, a bug), ``FeedsFailed``
    is raised at the end and the run is ``failed``: a supplier's stock is stale until
    someone looks. Returns the results otherwise."""
    feeds = due_feeds()
    results, failed = [], []
    ctx.progress(0, len(feeds), force=True)
    for number, feed in enumerate(feeds, 1):
        own = JobContext()
        try:
            result = import_feed(feed, own)
            results.append(result)
            if result.status == "failed":
                failed.append((feed.name, result.message or (
                    own.errors[0]["message"] if own.errors else "failed")))
        except Exception as error:  # one broken feed must not stop the others
            log.exception("feed %s failed", feed.id)
            own.error(f"{type(error).__name__}: {error}")
            failed.append((feed.name, f"{type(error).__name__}: {error}"))
        ctx.read(own.rows_read)
        ctx.changed(own.rows_changed)
        for problem in own.errors:
            ctx.error(f"{feed.name}: {problem['message']}", problem["line"])
        ctx.error_count += own.error_count - len(own.errors)
        ctx.progress(number, len(feeds), message=feed.name, force=True)
    if failed:
        raise FeedsFailed(failed, len(feeds), results)
    return results
