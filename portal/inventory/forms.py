"""Forms of the stock screens."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import FlaskForm, choices
from portal.inventory.buffers import MAX_BUFFER
from portal.inventory.labels import CHANNEL_LABELS, REASON_LABELS
from portal.inventory.services import MAX_QUANTITY
from portal.inventory.status import AdjustmentReason

ACTION_LABELS = {
    "receive": _l("Goods received (+)"),
    "remove": _l("Remove (−)"),
    "add": _l("Add (+)"),
    "count": _l("Counted: set on hand to"),
    "safety": _l("Set safety stock to"),
}


class StockChangeForm(FlaskForm):
    """One change to one stock row; ``reason`` matters for add and remove."""

    action = SelectField(_l("Action"), choices=choices(ACTION_LABELS.items()),
                         validators=[DataRequired()])
    quantity = IntegerField(_l("Quantity"), validators=[InputRequired(),
                                                        NumberRange(min=0, max=MAX_QUANTITY)])
    reason = SelectField(_l("Reason"), choices=choices(REASON_LABELS.items()),
                         default=AdjustmentReason.CORRECTION.value)
    note = StringField(_l("Note"), validators=[Optional(), Length(max=120)])
    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=60)])


class BufferForm(FlaskForm):
    """Hold back N units per product from a channel, at one location or all."""

    channel = SelectField(_l("Channel"), choices=choices(CHANNEL_LABELS.items()))
    location = SelectField(_l("Location"), validators=[Optional()])
    quantity = IntegerField(_l("Units held back per product"),
                            validators=[InputRequired(), NumberRange(min=0, max=MAX_BUFFER)])
