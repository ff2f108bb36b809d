"""Errors of the suppliers domain."""

from portal.errors import DomainError


class SupplierInvalid(DomainError):
    """Bad supplier input; ``fields`` names every field that is wrong."""
