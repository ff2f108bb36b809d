"""The jobs screen: schedules, last and next runs, "Run now", the admins' settings, the
run history and one run's report with live progress."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.login import roles_required
from portal.auth.roles import Role
from portal.db import utcnow
from portal.forms import render_form
from portal.htmx import wants_fragment
from portal.jobs import queries
from portal.jobs.forms import JobSettingForm
from portal.jobs.models import JobRun, JobSetting
from portal.jobs.registry import JOBS, get_job
from portal.jobs.runner import queue_run
from portal.jobs.schedules import ScheduleInvalid, planned_jobs
from portal.jobs.services import save_setting
from portal.jobs.status import STATUS_LABELS, TRIGGER_LABELS, RunStatus
from portal.pagination import paginate

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

READERS = (Role.LOGISTICS, Role.MANAGER, Role.ADMIN)
RUNNERS = (Role.MANAGER, Role.ADMIN)


@bp.context_processor
def _labels() -> dict:
    return {"run_labels": STATUS_LABELS, "trigger_labels": TRIGGER_LABELS,
            "can_run": current_user.has_role(*RUNNERS),
            "can_configure": current_user.has_role(Role.ADMIN)}


def _timezone() -> str:
    return current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Berlin")


@bp.get("/")
@roles_required(*READERS)
def index():
    last, now = queries.last_runs(), utcnow()
    rows = []
    for planned in planned_jobs():
        run = last.get(planned.name)
        following = None
        if planned.active:
            started = (run.started_at or run.created_at) if run else None
            following = planned.schedule.next_run(_timezone(), now, started)
        rows.append({"plan": planned, "last": run, "next": following})
    return render_template("jobs/index.html", rows=rows)


@bp.post("/<name>/run")
@roles_required(*RUNNERS)
def run_now(name: str):
    run = queue_run(name, current_user)
    flash(_("Job %(name)s is queued and starts within a few seconds.", name=name), "success")
    return redirect(url_for(".run_detail", run_id=run.id))


@bp.route("/<name>/settings", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def settings(name: str):
    job = get_job(name)
    setting = JobSetting.get_or_none(JobSetting.job == name)
    form = JobSettingForm()
    if not form.is_submitted():
        form.enabled.data = setting.enabled if setting else True
        form.schedule.data = (setting.cron or str(setting.interval_seconds or "")) \
            if setting else ""
    if form.validate_on_submit():
        try:
            save_setting(name, form.enabled.data, form.schedule.data, current_user)
        except ScheduleInvalid as error:
            form.schedule.errors = [*form.schedule.errors, error.fields["schedule"]]
        else:
            flash(_("Settings of job %(name)s saved.", name=name), "success")
            return redirect(url_for(".index"))
    return render_form("jobs/settings.html", form, job=job)


def _filters() -> dict:
    """The history's filters; unknown values mean "any"."""
    args = request.args
    try:
        since = date.fromisoformat(args.get("since", "").strip())
    except ValueError:
        since = None
    return {"job": args.get("job", "") if args.get("job") in JOBS else "",
            "status": args.get("status", "") if args.get("status") in set(RunStatus) else "",
            "since": since}


@bp.get("/runs")
@roles_required(*READERS)
def runs():
    filters = _filters()
    query = queries.runs(filters["job"], filters["status"], filters["since"], _timezone())
    args = {**filters, "since": filters["since"].isoformat() if filters["since"] else ""}
    context = {"page": paginate(query, per_page=50, endpoint=".runs", args=args),
               "filters": filters, "jobs": list(JOBS)}
    if wants_fragment():
        return render_template("jobs/_runs_rows.html", **context)
    return render_template("jobs/runs.html", **context)


@bp.get("/runs/<int:run_id>")
@roles_required(*READERS)
def run_detail(run_id: int):
    run = JobRun.get_or_none(JobRun.id == run_id)
    if run is None:
        abort(404)
    job = JOBS.get(run.job)
    if wants_fragment():
        return render_template("jobs/_run.html", run=run, job=job)
    return render_template("jobs/run.html", run=run, job=job)
