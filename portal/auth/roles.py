"""Roles and what each may do. The server checks these on every request."""

from enum import StrEnum


class Role(StrEnum):
    EMPLOYEE = "employee"
    LOGISTICS = "logistics"
    MANAGER = "manager"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.EMPLOYEE: "Store employee",
    Role.LOGISTICS: "Logistics",
    Role.MANAGER: "Manager",
    Role.ADMIN: "Administrator",
}

# Roles whose data is limited to the user's home store.
STORE_SCOPED_ROLES = frozenset({Role.EMPLOYEE})


class ApiScope(StrEnum):
    """What a machine key may call; granted per key in the admin screen."""

    AVAILABILITY_READ = "availability:read"
    ORDERS_WRITE = "orders:write"
    ORDERS_READ = "orders:read"
    FULFILLMENTS = "fulfillments"
    RETURNS_WRITE = "returns:write"
    MARKETPLACE = "marketplace"


SCOPE_LABELS = {
    ApiScope.AVAILABILITY_READ: "Read availability",
    ApiScope.ORDERS_WRITE: "Create and cancel orders",
    ApiScope.ORDERS_READ: "Read orders",
    ApiScope.FULFILLMENTS: "Pull fulfilments, report WMS events",
    ApiScope.RETURNS_WRITE: "Register returns",
    ApiScope.MARKETPLACE: "Marketplace sync",
}
