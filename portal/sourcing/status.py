"""States of a rule version."""

from enum import StrEnum


class RuleSetStatus(StrEnum):
    DRAFT = "draft"          # being edited; routes nothing
    PUBLISHED = "published"  # routes every new order; exactly one at a time
    ARCHIVED = "archived"    # was published once; can be published again (roll back)
