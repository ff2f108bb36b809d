"""German and English UI with Flask-Babel; the language follows the user."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel
from flask_login import current_user

babel = Babel()


def select_locale() -> str:
    """The logged-in user's language, else the session's choice, else the browser's."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI, jobs and worker threads speak the default
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if getattr(current_user, "is_authenticated", False) and current_user.language in languages:
        return current_user.language
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or current_app.config[
        "BABEL_DEFAULT_LOCALE"]


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
