"""Roles and what each may do. The server checks these on every request."""

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    EMPLOYEE = "employee"
    LOGISTICS = "logistics"
    MANAGER = "manager"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.EMPLOYEE: _l("Store employee"),
    Role.LOGISTICS: _l("Logistics"),
    Role.MANAGER: _l("Manager"),
    Role.ADMIN: _l("Administrator"),
}

# Roles whose data is limited to the user's home store.
STORE_SCOPED_ROLES = frozenset({Role.EMPLOYEE})


class ApiScope(StrEnum):
    """What a machine key may call; granted per key in the admin screen."""

    AVAILABILITY_READ = "availability:read"
    ORDERS_WRITE = "orders:write"
    ORDERS_READ = "orders:read"
    FULFILLMENTS = "fulfillments"  # both of the next two (keys made before they existed)
    FULFILLMENTS_READ = "fulfillments:read"
    FULFILLMENTS_WRITE = "fulfillments:write"
    SHIPMENTS_WRITE = "shipments:write"  # carriers report tracking events
    RETURNS_WRITE = "returns:write"
    MARKETPLACE = "marketplace"


SCOPE_LABELS = {
    ApiScope.AVAILABILITY_READ: _l("Read availability"),
    ApiScope.ORDERS_WRITE: _l("Create and cancel orders"),
    ApiScope.ORDERS_READ: _l("Read orders"),
    ApiScope.FULFILLMENTS: _l("Pull fulfilments, report WMS events"),
    ApiScope.FULFILLMENTS_READ: _l("Read fulfilments (WMS work queue)"),
    ApiScope.FULFILLMENTS_WRITE: _l("Report fulfilment events (WMS)"),
    ApiScope.SHIPMENTS_WRITE: _l("Report shipment tracking events (carriers)"),
    ApiScope.RETURNS_WRITE: _l("Register returns"),
    ApiScope.MARKETPLACE: _l("Marketplace sync"),
}
