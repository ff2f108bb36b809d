"""Errors of the auth domain, each with a message a user can read."""

from portal.errors import DomainError


class LoginFailed(DomainError):
    pass


class LoginLocked(DomainError):
    pass


class UserInvalid(DomainError):
    pass


class ApiKeyAlreadyCreated(DomainError):
    """The form asking for a key was sent again; its key exists and stays secret."""

    code = "conflict"
    status = 409
