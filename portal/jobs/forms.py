"""The admins' form for one job: switched on, and an optional schedule of its own."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import Length

from portal.forms import FlaskForm
from portal.jobs.schedules import MAX_CRON_LENGTH


class JobSettingForm(FlaskForm):
    enabled = BooleanField(_l("Runs on its schedule"))
    schedule = StringField(_l("Schedule of its own"),
                           validators=[Length(max=MAX_CRON_LENGTH)])
