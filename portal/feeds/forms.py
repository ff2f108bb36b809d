"""The feed settings form; the service (``services._clean``) checks the values and names
each bad input, the form only shapes them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField

from portal.feeds.parse import DELIMITERS, ENCODINGS
from portal.forms import FlaskForm, choices

SOURCE_LABELS = {"url": _l("Download from a URL"), "folder": _l("File-drop folder")}
FORMAT_LABELS = {"csv": "CSV", "json": "JSON"}


class FeedForm(FlaskForm):
    name = StringField(_l("Name"))
    location = SelectField(_l("Sets the stock of"), validate_choice=False)
    active = BooleanField(_l("Active: imported on schedule"), default=True)
    source = SelectField(_l("Source"), choices=choices(SOURCE_LABELS.items()), default="url",
                         validate_choice=False)
    url = StringField(_l("URL"))
    folder = StringField(_l("Folder"))
    filename_pattern = StringField(_l("File name pattern"), default="*.csv")
    format = SelectField(_l("Format"), choices=choices(FORMAT_LABELS.items()), default="csv",
                         validate_choice=False)
    delimiter = SelectField(_l("Delimiter"), choices=choices(DELIMITERS.items()),
                            default=",", validate_choice=False)
    encoding = SelectField(_l("Encoding"), choices=choices(ENCODINGS.items()),
                           default="utf-8", validate_choice=False)
    sku_column = StringField(_l("SKU column"), default="sku")
    quantity_column = StringField(_l("Quantity column"), default="quantity")
    incoming_quantity_column = StringField(_l("Incoming quantity column"))
    incoming_date_column = StringField(_l("Incoming date column"))
    records_path = StringField(_l("JSON: key of the records"))
    full_snapshot = BooleanField(_l("Full snapshot: articles missing from the file go to 0"))
    stale_after_hours = StringField(_l("Stale after (hours)"), default="24")
    every_minutes = StringField(_l("Import every (minutes)"), default="60")

    @classmethod
    def initial(cls, feed) -> dict:
        """The form's values for a stored feed."""
        mapping = feed.columns
        return {"name": feed.name, "location": feed.location.code, "active": feed.active,
                "source": feed.source, "url": feed.url, "folder": feed.folder,
                "filename_pattern": feed.filename_pattern, "format": feed.format,
                "delimiter": feed.delimiter, "encoding": feed.encoding,
                "sku_column": mapping.get("sku", ""),
                "quantity_column": mapping.get("quantity", ""),
                "incoming_quantity_column": mapping.get("incoming_quantity", ""),
                "incoming_date_column": mapping.get("incoming_date", ""),
                "records_path": mapping.get("records", ""),
                "full_snapshot": feed.full_snapshot,
                "stale_after_hours": str(feed.stale_after_hours),
                "every_minutes": str(feed.every_minutes)}

    def feed_data(self) -> dict:
        """The submitted values for the feed services."""
        return {name: field.data for name, field in self._fields.items()
                if name != "csrf_token"}
