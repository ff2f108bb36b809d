"""The main navigation: which screens each role sees. New screens add a row here."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.auth.roles import Role

ALL = frozenset(Role)
E, L, M, A = Role.EMPLOYEE, Role.LOGISTICS, Role.MANAGER, Role.ADMIN


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: frozenset
    section: str  # endpoints starting with this light the item up


NAV_ITEMS = (
    NavItem("dashboard.index", _l("Dashboard"), ALL, "dashboard."),
    NavItem("counter.index", _l("Sell"), frozenset({E, M, A}), "counter."),
    NavItem("orders.index", _l("Orders"), ALL, "orders."),
    NavItem("fulfilment.index", _l("Fulfilment"), frozenset({E, L, M, A}), "fulfilment."),
    NavItem("returns.index", _l("Returns"), frozenset({E, L, M, A}), "returns."),
    NavItem("stock.search_page", _l("Stock"), ALL, "stock."),
    NavItem("ledger.index", _l("Ledger"), ALL, "ledger."),
    NavItem("locations.my_store", _l("My store"), frozenset({E}), "locations.my_store"),
    NavItem("locations.index", _l("Locations"), frozenset({L, M, A}), "locations."),
    NavItem("suppliers.index", _l("Suppliers"), frozenset({L, M, A}), "suppliers."),
    NavItem("imports.index", _l("Import / export"), frozenset({M, A}), "imports."),
    NavItem("sourcing.index", _l("Sourcing rules"), frozenset({M, A}), "sourcing."),
    NavItem("admin.users", _l("Users"), frozenset({A}), "admin.user"),
    NavItem("admin.api_keys", _l("API keys"), frozenset({A}), "admin.api_key"),
    NavItem("admin.audit_log", _l("Audit log"), frozenset({M, A}), "admin.audit"),
    NavItem("outbox.index", _l("Outbox"), frozenset({A}), "outbox."),
)


def nav_for(role: str) -> list[NavItem]:
    """The items a role sees, in display order."""
    return [item for item in NAV_ITEMS if role in item.roles]
