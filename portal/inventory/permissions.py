"""Who may change stock where; the views and the templates ask the same functions."""

from __future__ import annotations

from portal.auth.roles import Role
from portal.locations.status import LocationKind


def can_change_stock(user, location) -> bool:
    """Managers and admins anywhere; store employees in their own store."""
    if user.role in (Role.MANAGER, Role.ADMIN):
        return True
    return user.role == Role.EMPLOYEE and user.home_store_id == location.id


def can_receive_at(user, location) -> bool:
    """Who books deliveries in: whoever may change the stock there, and logistics staff
    at warehouses."""
    return can_change_stock(user, location) or (
        user.role == Role.LOGISTICS and location.kind == LocationKind.WAREHOUSE)
