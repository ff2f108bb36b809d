"""Login, logout and the language switch."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import services
from portal.auth.errors import LoginFailed, LoginLocked
from portal.auth.forms import LanguageForm, LoginForm
from portal.ratelimit import limiter, login_limit
from portal.urls import safe_next

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    return safe_next(target, url_for("dashboard.index"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])  # per address; the lockout stays
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data,
                                         request.remote_addr or "")
        except (LoginFailed, LoginLocked) as error:
            form.form_errors.append(error.message)  # shown above the fields
            status = 429 if isinstance(error, LoginLocked) else 401
        else:
            session.clear()  # a fresh session on login defeats session fixation
            login_user(user, remember=form.remember.data)
            session["lang"] = user.language
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.language.data
        if current_user.is_authenticated:
            services.set_language(current_user, form.language.data)
    return redirect(_safe_next(request.form.get("next")))
