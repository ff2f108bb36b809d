"""The numbers each role's dashboard shows, gathered from the domains' queries."""

from __future__ import annotations

from peewee import fn

from portal.audit.services import recent_audit_events
from portal.auth.models import ApiKey, User
from portal.auth.roles import Role
from portal.feeds.freshness import stale_feeds
from portal.inventory import queries as stock
from portal.locations import services as locations
from portal.locations.status import LocationKind
from portal.orders.models import Order


def employee_figures(user: User) -> dict:
    store = user.home_store
    return {
        "store": store,
        "summary": stock.stock_summary(store),
        "low_stock": list(stock.low_stock(store, limit=10)),
        "incoming": list(stock.incoming_stock(store, limit=10)),
        "nearby": locations.nearby_locations(store, limit=4),
    }


def logistics_figures(user: User) -> dict:
    warehouses = list(locations.search_locations(kind=LocationKind.WAREHOUSE,
                                                 include_inactive=False))
    return {
        "warehouses": [(w, stock.stock_summary(w)) for w in warehouses],
        "incoming_week": list(stock.incoming_stock(within_days=7, limit=15)),
        "late_incoming": stock.late_incoming_count(),
        "stale_feeds": stale_feeds(),
    }


def manager_figures(user: User) -> dict:
    return {
        "locations": locations.count_by_kind(),
        "products": stock.product_counts(),
        "pool": stock.stock_summary(),
        "stores_out": list(stock.out_of_stock_by_store(limit=8)),
        "late_incoming": stock.late_incoming_count(),
        "needs_attention": Order.select().where(Order.attention != "").count(),
    }


def admin_figures(user: User) -> dict:
    users_by_role = {row.role: row.n for row in
                     User.select(User.role, fn.COUNT(User.id).alias("n"))
                     .where(User.active == True).group_by(User.role)}  # noqa: E712
    return {
        "users_by_role": {role: users_by_role.get(role, 0) for role in Role},
        "inactive_users": User.select().where(User.active == False).count(),  # noqa: E712
        "api_keys": ApiKey.select().where(ApiKey.revoked_at.is_null()).count(),
        "locations": locations.count_by_kind(),
        "audit": list(recent_audit_events(10)),
    }


FIGURES = {
    Role.EMPLOYEE: employee_figures,
    Role.LOGISTICS: logistics_figures,
    Role.MANAGER: manager_figures,
    Role.ADMIN: admin_figures,
}
