"""Sessions with flask-login, role checks and store scoping for views."""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_required

from portal.auth.models import User
from portal.auth.roles import Role
from portal.htmx import htmx_redirect, is_htmx

login_manager = LoginManager()


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The active user for a session id ``"<id>:<session token>"`` (see ``User.get_id``).

    A plain id, as sessions before the session tokens held, or an outdated token (the
    password changed, the user was deactivated) loads nobody: that session is over.
    """
    number, _, token = (user_id or "").partition(":")
    if not number.isdigit() or not token or len(number) > 18:
        return None
    user = User.get_or_none((User.id == int(number)) & (User.active == True))  # noqa: E712
    if user is None or not user.has_session_token(token):
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized():
    """Send people to the login page; htmx requests get a full-page redirect."""
    target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if is_htmx():
        return htmx_redirect(target)
    return redirect(target)


def roles_required(*roles: Role):
    """Allow only logged-in users with one of ``roles``; everyone else gets 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def require_visible_location(location):
    """404 when the current user may not see ``location`` (an employee and another store).

    404 rather than 403: an employee must not learn which records exist elsewhere.
    """
    if location is None or not current_user.can_see_location(location):
        abort(404)
    return location
