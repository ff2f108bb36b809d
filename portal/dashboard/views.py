"""The start page: a dashboard with the figures the user's role cares about."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from portal.dashboard.figures import FIGURES

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required
def index():
    figures = FIGURES[current_user.role](current_user)
    return render_template(f"dashboard/{current_user.role}.html", **figures)
