"""Errors of the fulfilment domain, each with a message a user can read."""

from portal.errors import DomainError


class IllegalFulfilmentStep(DomainError):
    """The reported step does not follow from the fulfilment's state (409)."""

    code = "illegal_transition"
    status = 409


class EventInvalid(DomainError):
    """A malformed event (unknown type, bad parcels); ``fields`` names the parts (422)."""

    code = "invalid"
    status = 422


class EventIdReused(DomainError):
    """The same event id was reported before with another body (422)."""

    code = "event_id_reused"
    status = 422
