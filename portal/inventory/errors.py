"""Errors of the inventory domain, each with a message a user can read."""

from portal.errors import DomainError


class StockError(DomainError):
    """A stock change that would break an invariant; nothing was written."""

    code = "stock_conflict"
    status = 409


class InsufficientStock(StockError):
    code = "out_of_stock"


class InventoryInvalid(DomainError):
    """Bad input to an inventory service (unknown product, zero quantity, ...)."""
