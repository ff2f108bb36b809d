"""The location form for administrators."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FloatField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from portal.forms import FlaskForm, choices
from portal.locations.services import MAX_DAILY_CAPACITY, MAX_PRIORITY
from portal.locations.status import LocationKind

KIND_LABELS = {
    LocationKind.STORE: _l("Store"),
    LocationKind.WAREHOUSE: _l("Warehouse"),
    LocationKind.MARKETPLACE: _l("Marketplace"),
    LocationKind.PARTNER: _l("Distribution partner"),
    LocationKind.SUPPLIER: _l("Supplier"),
}


class LocationForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(min=2, max=16)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=choices(KIND_LABELS.items()))
    street = StringField(_l("Street"), validators=[Length(max=160)])
    postcode = StringField(_l("Postcode"), validators=[Length(max=16)])
    city = StringField(_l("City"), validators=[Length(max=80)])
    country = StringField(_l("Country"), default="DE", validators=[
        DataRequired(), Length(2, 2, message=_l("Two-letter ISO country code, e.g. DE."))])
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(check_deliverability=False),
                                                  Length(max=160)])
    phone = StringField(_l("Phone"), validators=[Length(max=40)])
    ships = BooleanField(_l("Ships parcels"))
    click_collect = BooleanField(_l("Click & Collect"))
    locker_pickup = BooleanField(_l("Parcel locker"))
    accepts_returns = BooleanField(_l("Accepts returns"))
    daily_capacity = IntegerField(_l("Daily capacity (orders)"), validators=[
        Optional(), NumberRange(min=0, max=MAX_DAILY_CAPACITY)])
    priority = IntegerField(_l("Priority (lower first)"), default=100,
                            validators=[NumberRange(min=0, max=MAX_PRIORITY)])
    active = BooleanField(_l("Active"), default=True)

    def location_data(self) -> dict:
        """The submitted values as a dict for the location services."""
        data = {name: field.data for name, field in self._fields.items() if name != "csrf_token"}
        for name, field in self._fields.items():
            if isinstance(field, StringField) and data.get(name) is None:
                data[name] = ""
        return data
