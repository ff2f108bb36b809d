"""Errors of the orders domain, each with a message a user can read."""

from portal.errors import DomainError


class OrderInvalid(DomainError):
    """Bad order input; ``fields`` names every wrong field."""


class IllegalTransition(DomainError):
    code = "illegal_transition"
    status = 409


class OrderOutOfStock(DomainError):
    """Not enough stock anywhere for the order; nothing was reserved."""

    code = "out_of_stock"
    status = 409
