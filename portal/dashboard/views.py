"""The start page: a dashboard with the figures the user's role cares about."""

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from portal.auth.login import roles_required
from portal.auth.roles import Role
from portal.dashboard.charts import insight_charts
from portal.dashboard.figures import FIGURES
from portal.dashboard.insights import PERIODS, period_of
from portal.dashboard.insights import insights as gather_insights

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required
def index():
    figures = FIGURES[current_user.role](current_user)
    return render_template(f"dashboard/{current_user.role}.html", **figures)


@bp.get("/dashboard/manager/insights")
@roles_required(Role.MANAGER, Role.ADMIN)
def insights():
    days = period_of(request.args.get("days"))
    figures = gather_insights(days)
    return render_template("dashboard/insights.html", f=figures, periods=PERIODS,
                           charts=insight_charts(figures))
