"""The supplier form for managers and administrators."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from portal.forms import FlaskForm
from portal.suppliers.models import MAX_LEAD_TIME_DAYS
from portal.suppliers.services import MAX_NOTES


class SupplierForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(min=2, max=16)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    contact_name = StringField(_l("Contact person"), validators=[Length(max=120)])
    contact_email = StringField(_l("E-mail"), validators=[
        Optional(), Email(check_deliverability=False), Length(max=160)])
    contact_phone = StringField(_l("Phone"), validators=[Length(max=40)])
    lead_time_days = IntegerField(_l("Lead time (days)"), default=3, validators=[
        InputRequired(), NumberRange(min=0, max=MAX_LEAD_TIME_DAYS)])
    countries = StringField(_l("Countries served"), validators=[DataRequired()])
    dropship = BooleanField(_l("Drop-ship: ships directly to our customers"))
    # The service checks the location (kind, not taken) and says what is wrong with it.
    location = SelectField(_l("Warehouse (location)"), validate_choice=False)
    active = BooleanField(_l("Active"), default=True)
    notes = TextAreaField(_l("Notes"), validators=[Length(max=MAX_NOTES)])

    def supplier_data(self) -> dict:
        """The submitted values as a dict for the supplier services."""
        return {name: ("" if field.data is None and name != "lead_time_days" else field.data)
                for name, field in self._fields.items() if name != "csrf_token"}
