"""The restock rule form and the "try it" form. They only shape the input;
``rules.check_rule`` validates, and its field errors land on the inputs of the same name."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField

from portal.forms import FlaskForm, choices
from portal.returns.models import RestockRule
from portal.returns.status import CONDITION_LABELS, DISPOSITION_LABELS, Disposition
from portal.sourcing.forms import CheckboxesField

SEPARATORS = re.compile(r"[,;\n]")


class RestockRuleForm(FlaskForm):
    name = StringField(_l("Name"))
    conditions = CheckboxesField(_l("Returned in this condition"),
                                 choices=choices(CONDITION_LABELS.items()),
                                 validate_choice=False)
    categories = CheckboxesField(_l("Article categories"), choices=[], validate_choice=False)
    other_categories = StringField(_l("Other categories"))
    action = RadioField(_l("What happens to the item"),
                        choices=choices(DISPOSITION_LABELS.items()), validate_choice=False)
    active = BooleanField(_l("Switched on"), default=True)

    def __init__(self, *args, categories: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        picked = [c for c in self.categories.data or [] if c in categories]
        self.categories.data = picked
        self.categories.choices = choices((c, c) for c in categories)

    @classmethod
    def initial(cls, rule: RestockRule | None, categories: list[str]) -> dict:
        """The form's starting values for ``rule`` (None: a new rule)."""
        if rule is None:
            return {"active": True, "action": Disposition.RESTOCK.value}
        known = set(categories)
        return {"name": rule.name, "conditions": rule.condition_list, "action": rule.action,
                "active": rule.active,
                "categories": [c for c in rule.category_list if c in known],
                "other_categories": ", ".join(c for c in rule.category_list if c not in known)}

    def rule_data(self) -> dict:
        """The submitted values in the shape ``rules.check_rule`` takes."""
        typed = [part for part in SEPARATORS.split(self.other_categories.data or "")]
        return {"name": self.name.data or "", "conditions": self.conditions.data or [],
                "categories": [*(self.categories.data or []), *typed],
                "action": self.action.data or "", "active": bool(self.active.data)}

    def apply_error(self, error) -> None:
        """Put a ``RestockRuleInvalid``'s messages next to their inputs."""
        for name, message in error.fields.items():
            field = getattr(self, name, None)
            if field is None:
                self.form_errors.append(message)
            else:
                field.errors = [*field.errors, message]
        self.form_errors.append(error.message)


class TryForm(FlaskForm):
    """GET form: no CSRF token (it writes nothing)."""

    class Meta:
        csrf = False

    sku = StringField(_l("Article (SKU)"))
    condition = SelectField(_l("Condition"), choices=choices(CONDITION_LABELS.items()))
    location = SelectField(_l("Received at"), choices=[], validate_choice=False)
