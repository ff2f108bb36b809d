"""Every job the portal knows: name → function, description, default schedule.

Registering a job is one line at the end of this file::

    register("feeds", "portal.feeds.importer:import_all", _l("Import supplier stock feeds"), 300)

The target is ``"module:function"`` (imported when the job runs, so this module stays
cheap to import) or the function itself; it takes a ``JobContext`` and reports rows
read/changed and errors on it. The schedule is seconds between runs (int), a cron line
(str, in ``OMS_TIMEZONE``), or None for a job that only runs by hand. Admins may switch a
job off or give it another schedule in the portal (``JobSetting``); ``jobs/schedule.py``
merges both for the scheduler.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from flask_babel import lazy_gettext as _l

from portal.errors import NotFound
from portal.jobs.context import JobContext
from portal.jobs.schedules import Schedule, as_schedule

JobFunction = Callable[[JobContext], object]


@dataclass(frozen=True)
class Job:
    name: str
    target: str | JobFunction
    description: object
    schedule: Schedule | None  # the default; None: only by hand

    def function(self) -> JobFunction:
        """The callable behind ``target``."""
        if callable(self.target):
            return self.target
        module, _, attribute = self.target.partition(":")
        return getattr(import_module(module), attribute)


JOBS: dict[str, Job] = {}


def register(name: str, target: str | JobFunction, description: object,
             schedule: int | str | Schedule | None = None) -> Job:
    """Add (or replace) the job ``name``; see the module's docstring."""
    job = Job(name, target, description, as_schedule(schedule))
    JOBS[name] = job
    return job


def get_job(name: str) -> Job:
    """The registered job, or NotFound."""
    try:
        return JOBS[name]
    except KeyError:
        raise NotFound(str(_l("There is no job named %(name)s.", name=name))) from None


def all_jobs() -> list[Job]:
    """The registered jobs in the order they were registered."""
    return list(JOBS.values())


register("reservation_expiry", "portal.jobs.tasks:expire_reservations",
         _l("Cancel unpaid orders whose reservation time is over; their stock is released."),
         60)
register("outbox", "portal.jobs.tasks:deliver_outbox",
         _l("Send the customer e-mails that are due; failures are tried again later."), 60)
register("pickups_expire", "portal.jobs.tasks:expire_pickups",
         _l("Cancel and refund Click & Collect orders not collected in time."), 3600)
register("late_deliveries", "portal.jobs.tasks:flag_late_deliveries",
         _l("List open incoming deliveries whose expected date has passed."), "0 6 * * *")
register("stock_check", "portal.jobs.tasks:check_stock",
         _l("Compare every stock level with its ledger; differences are reported."),
         "30 3 * * *")
register("feeds", "portal.feeds.importer:import_all",
         _l("Import the supplier stock feeds that are due (each feed has its own interval)."),
         300)
register("marketplace_push", "portal.marketplace.push:push",
         _l("Send the marketplace the availability of articles whose stock changed."), 60)
register("marketplace_push_all", "portal.marketplace.push:push_all",
         _l("Send the marketplace the availability of every article."), "15 3 * * *")
register("marketplace_pull", "portal.marketplace.pull:pull",
         _l("Place the marketplace's new orders."), 60)
