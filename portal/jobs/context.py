"""What a running job tells the world: rows read and changed, errors by line, progress.

Every job function takes a ``JobContext`` (``def run(ctx: JobContext) -> None``). The
runner (``portal.jobs.runner``) creates it for a ``JobRun`` row and saves what the job
reports; a job called by hand or in a test gets a plain context that only counts.
Progress is saved at most every ``every`` seconds, so a job may report it per row.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_ERRORS = 1000  # a report of the first thousand bad lines is enough to fix a file


@dataclass
class JobContext:
    rows_read: int = 0
    rows_changed: int = 0
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0
    done: int = 0
    total: int | None = None
    message: str = ""
    on_progress: Callable[[JobContext], None] | None = None
    every: float = 1.0
    _saved_at: float = 0.0

    def read(self, count: int = 1) -> None:
        self.rows_read += count

    def changed(self, count: int = 1) -> None:
        self.rows_changed += count

    def error(self, message: str, line: int | None = None) -> None:
        """One bad line (or a problem of the whole run when ``line`` is None)."""
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"line": line, "message": message})

    def progress(self, done: int, total: int | None = None, message: str = "",
                 force: bool = False) -> None:
        """``done`` of ``total`` units of work; saved when ``every`` seconds passed."""
        self.done, self.total = done, total if total is not None else self.total
        self.message = message or self.message
        now = time.monotonic()
        if self.on_progress is not None and (force or now - self._saved_at >= self.every):
            self._saved_at = now
            self.on_progress(self)
