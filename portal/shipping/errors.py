"""Errors of the shipping domain, each with a message a user can read."""

from portal.errors import DomainError


class ShippingInvalid(DomainError):
    """Bad shipping input (weight, country, service, label data); ``fields`` names it."""


class NotShippable(DomainError):
    """No service of the carrier takes this parcel (country or weight out of its rules)."""

    code = "not_shippable"
    status = 409


class NumbersExhausted(DomainError):
    """A carrier's or the company prefix's number range is used up."""

    code = "numbers_exhausted"
    status = 409
