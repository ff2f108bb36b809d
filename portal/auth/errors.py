"""Errors of the auth domain, each with a message a user can read."""

from portal.errors import DomainError


class LoginFailed(DomainError):
    pass


class LoginLocked(DomainError):
    pass


class UserInvalid(DomainError):
    pass
