"""Enumerations of the locations domain."""

from enum import StrEnum


class LocationKind(StrEnum):
    STORE = "store"
    WAREHOUSE = "warehouse"
    MARKETPLACE = "marketplace"
    PARTNER = "partner"
    SUPPLIER = "supplier"
