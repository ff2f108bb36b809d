"""Forms of the login and user screens."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from portal.forms import LANGUAGE_NAMES, FlaskForm, choices


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=160)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Stay logged in on this device"))


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language"), choices=choices(LANGUAGE_NAMES.items()))


class UserForm(FlaskForm):
    """Create or edit a user; the password is required only when creating."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False),
                                                 Length(max=160)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"))
    home_store = SelectField(_l("Home store"), validators=[Optional()])
    language = SelectField(_l("Language"), choices=choices(LANGUAGE_NAMES.items()))
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(_l("Password"), validators=[Optional(), Length(min=8, max=200)])


class ApiKeyForm(FlaskForm):
    """A new API key. ``request_id`` is new each time the form is shown, so the
    server recognises the same form sent twice (a reload after creating a key)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    request_id = HiddenField(validators=[DataRequired(), Length(min=16, max=64),
                                         Regexp(r"^[A-Za-z0-9_-]+$")])
