"""The rule form. Its parts are sub-forms whose inputs are named like the service's field
errors (``condition.countries``, ``pool.radius_km``, ``limits.max_fulfilments``), so a
``RuleInvalid`` lands next to the input it is about."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from portal.forms import FlaskForm, choices
from portal.inventory.labels import CHANNEL_LABELS
from portal.locations.forms import KIND_LABELS
from portal.orders.labels import DELIVERY_LABELS
from portal.sourcing.rules import MAX_FULFILMENTS, ORDERINGS, Rule

MAX_ORDERINGS = 5
LIST_HINT = _l("Space or comma separated.")
DECIMAL_COMMA = re.compile(r"\s*\d+,\d{1,2}\s*")


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (``templates/sourcing/_form_macros.html`` draws them)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConditionForm(Form):
    channels = CheckboxesField(_l("Sales channels"), choices=choices(CHANNEL_LABELS.items()))
    delivery_methods = CheckboxesField(_l("Delivery methods"),
                                       choices=choices(DELIVERY_LABELS.items()))
    countries = StringField(_l("Destination countries"))
    exclude_countries = StringField(_l("Not to these countries"))
    postcode_prefixes = StringField(_l("Postcode begins with"))
    tags = StringField(_l("Article tags"))
    customer_groups = StringField(_l("Customer groups"))
    categories = SelectMultipleField(_l("Article categories"), choices=[],
                                     validate_choice=False)
    min_value = StringField(_l("Order value from (€)"))
    max_value = StringField(_l("Order value up to (€)"))


class PoolForm(Form):
    kinds = CheckboxesField(_l("Locations of these kinds"), choices=choices(KIND_LABELS.items()))
    locations = StringField(_l("And these locations (codes)"))
    radius_km = StringField(_l("Within (km) of the destination"))
    suppliers_serving_country = BooleanField(
        _l("Suppliers that deliver to the destination country"))
    fresh_feeds_only = BooleanField(_l("Only locations whose stock feed is up to date"))


class LimitsForm(Form):
    max_fulfilments = SelectField(_l("Locations per order at most"),
                                  choices=choices((n, n) for n in range(1, MAX_FULFILMENTS + 1)),
                                  default="1")
    allow_partial = BooleanField(_l("One line's units may come from several locations"))
    allow_dropship = BooleanField(_l("Suppliers may ship straight to the customer (drop-ship)"))
    incoming_days = StringField(_l("Promise incoming deliveries expected within (days)"))


class RuleForm(FlaskForm):
    name = StringField(_l("Name"))
    enabled = BooleanField(_l("Switched on"), default=True)
    condition = FormField(ConditionForm, separator=".")
    pool = FormField(PoolForm, separator=".")
    # Unknown criteria are the service's to name (field "ordering"); a select left out of
    # the request is simply empty.
    ordering = FieldList(SelectField(_l("Best first by"), choices=[], validate_choice=False),
                         min_entries=MAX_ORDERINGS, max_entries=MAX_ORDERINGS)
    limits = FormField(LimitsForm, separator=".")

    def __init__(self, *args, categories: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        picked = self.condition.form.categories.data or []
        self.condition.form.categories.choices = choices(
            (c, c) for c in sorted(set(categories) | set(picked)))
        criteria = choices([("", "—"), *ORDERINGS.items()])
        for entry in self.ordering:
            entry.choices = criteria

    @classmethod
    def initial(cls, rule: Rule | None) -> dict:
        """The form's starting values for ``rule`` (None: a new rule)."""
        if rule is None:
            return {"enabled": True, "ordering": ["distance"],
                    "limits": {"max_fulfilments": "1"}}
        data = rule.as_dict()
        condition, pool = data["condition"], data["pool"]
        for key in ("countries", "exclude_countries", "postcode_prefixes", "tags",
                    "customer_groups"):
            condition[key] = " ".join(condition[key])
        for key in ("min_value", "max_value"):
            condition[key] = condition[key] or ""
        pool["locations"] = " ".join(pool["locations"])
        pool["radius_km"] = "" if pool["radius_km"] is None else str(pool["radius_km"])
        data["limits"]["max_fulfilments"] = str(data["limits"]["max_fulfilments"])
        days = data["limits"]["incoming_days"]
        data["limits"]["incoming_days"] = "" if days is None else str(days)
        return data

    def rule_data(self) -> dict:
        """The submitted values in the shape ``rules.rule_from_dict`` validates."""
        data = {"name": self.name.data or "", "enabled": bool(self.enabled.data),
                "condition": dict(self.condition.data), "pool": dict(self.pool.data),
                "limits": dict(self.limits.data),
                "ordering": [o for o in self.ordering.data if o]}
        for key in ("min_value", "max_value"):  # "49,90" as people type it in German
            value = data["condition"][key] or ""
            if DECIMAL_COMMA.fullmatch(value):
                data["condition"][key] = value.strip().replace(",", ".")
        return data

    def field_named(self, name: str):
        """The input a service error names (``condition.countries``, ``ordering``)."""
        if name == "ordering":
            return self.ordering.entries[0]
        part, _dot, rest = name.partition(".")
        field = self._fields.get(part)
        if rest and isinstance(field, FormField):
            return field.form._fields.get(rest)
        return None if rest else field

    def apply_error(self, error) -> None:
        """Put a ``RuleInvalid``'s messages next to their inputs."""
        for name, message in error.fields.items():
            field = self.field_named(name)
            if field is None:
                self.form_errors.append(message)
            else:
                field.errors = [*field.errors, message]
        self.form_errors.append(error.message)
