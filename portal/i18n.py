"""German and English UI with Flask-Babel; the language follows the user."""

from __future__ import annotations

from babel import Locale
from flask import Flask, current_app, has_app_context, has_request_context, request, session
from flask_babel import Babel, get_locale
from flask_login import current_user

from config import Config

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


def reader_chose_language() -> bool:
    """The reader picked a language: a logged-in user (theirs) or the session's switch."""
    if getattr(current_user, "is_authenticated", False):
        return True
    return session.get("lang") in current_app.config["LANGUAGES"]


def languages() -> tuple[str, ...]:
    """The languages the portal speaks (``LANGUAGES``); outside an app (the OpenAPI
    document built for an app object) the ones it ships with."""
    if has_app_context():
        return tuple(current_app.config["LANGUAGES"])
    return tuple(Config.LANGUAGES)


def default_language() -> str:
    """The portal's default language (``BABEL_DEFAULT_LOCALE``)."""
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def customer_language(language: str | None) -> str:
    """The language a customer is written to: ``language`` (an order's) when the portal
    speaks it, else the portal's default (orders from before languages were recorded)."""
    return language if language in languages() else default_language()


def language_name(language: str) -> str:
    """``language``'s name in the current UI language ("German", "Englisch")."""
    return Locale.parse(language).get_display_name(str(get_locale())) or language


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
