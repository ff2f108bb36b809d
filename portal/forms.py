"""Shared form machinery: CSRF protection for every form and htmx request."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from wtforms.fields.choices import SelectChoice

csrf = CSRFProtect()

__all__ = ["FlaskForm", "choices", "csrf", "parse_whole_number", "whole_in_range"]

LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}


WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")


def parse_whole_number(value: str | None) -> int | None:
    """``value`` as a non-negative integer when it is plain ASCII digits, else None
    (``str.isdigit`` also accepts "²", which ``int`` then refuses)."""
    text = (value or "").strip()
    return int(text) if WHOLE_NUMBER.fullmatch(text) else None


def whole_in_range(value, errors: dict, name: str, low: int, high: int, default=None):
    """``value`` (form or JSON) as a whole number from ``low`` to ``high``; empty gives
    ``default``; anything else records a message under ``errors[name]`` and gives
    ``default``."""
    if value in (None, ""):
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        errors[name] = str(_l("A whole number from %(low)s to %(high)s.", low=low, high=high))
        return default
    return number


def choices(pairs) -> list[SelectChoice]:
    """Select options from ``(value, label)`` pairs."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def apply_domain_error(form: FlaskForm, error) -> None:
    """Show a service's field errors on the form's fields (and the rest on the form)."""
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
        else:
            form.form_errors.append(message)
    form.form_errors.append(error.message)


def render_form(template: str, form: FlaskForm, **context):
    """Render a form page: 400 when the submitted form has errors, else 200."""
    from flask import render_template

    status = 400 if form.errors or form.form_errors else 200
    return render_template(template, form=form, **context), status
