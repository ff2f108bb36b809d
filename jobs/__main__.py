"""``python -m jobs``: the scheduler process; ``python -m jobs run NAME`` runs one job
once in the foreground (exit 1 when it failed or was already running);
``python -m jobs list`` shows every job with its schedule and last run."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys

from portal import create_app
from portal.db import db

MAX_ERRORS_SHOWN = 20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobs", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="run one job once, now, in the foreground")
    run.add_argument("name")
    commands.add_parser("list", help="the jobs, their schedules and last runs")
    args = parser.parse_args(argv)

    app = create_app()
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # we log each run ourselves
    if args.command == "run":
        with app.app_context():
            try:
                return run_once(args.name)
            finally:
                db.close()
    if args.command == "list":
        with app.app_context():
            return list_jobs()
    from jobs.process import JobsProcess

    return JobsProcess(app).run()


def run_once(name: str) -> int:
    """Run ``name`` now and print what it did."""
    from portal.errors import NotFound
    from portal.jobs.registry import JOBS
    from portal.jobs.runner import AlreadyRunning, run_job
    from portal.jobs.status import RunStatus, Trigger

    try:
        run = run_job(name, Trigger.CLI, f"cli:{_user()}")
    except NotFound:
        print(f"No job named {name!r}. Jobs: {', '.join(JOBS)}", file=sys.stderr)
        return 2
    except AlreadyRunning as error:
        print(f"{name}: not started, run {error.running.id if error.running else '?'} "
              "is still running", file=sys.stderr)
        return 1
    print(f"{name}: run {run.id} {run.status} in {run.seconds or 0:.1f} s")
    print(f"rows read {run.rows_read}, rows changed {run.rows_changed}, "
          f"errors {run.error_count}")
    if run.message:
        print(run.message)
    for error in run.error_list[:MAX_ERRORS_SHOWN]:
        line = f"line {error['line']}: " if error.get("line") is not None else ""
        print(f"  {line}{error['message']}")
    if run.error_count > MAX_ERRORS_SHOWN:
        print(f"  … and {run.error_count - MAX_ERRORS_SHOWN} more")
    return 0 if run.status == RunStatus.SUCCEEDED else 1


def list_jobs() -> int:
    """One line per job: name, schedule, last run."""
    from jobs.schedule import plan
    from portal.jobs.queries import last_runs

    last = last_runs()
    for planned in plan():
        when = planned.schedule.text if planned.schedule else "by hand only"
        if planned.override:
            when += " (override)"
        if not planned.enabled:
            when += " (switched off)"
        run = last.get(planned.name)
        latest = (f"last run {run.id} {run.status} {run.created_at:%Y-%m-%d %H:%M} UTC"
                  if run else "never run")
        print(f"{planned.name:<22} {when:<28} {latest}")
        print(f"{'':<22} {planned.description}")
    return 0


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
