"""The tab bar over the returns area's screens (``templates/returns/_tabs.html``).

A tab shows when the user's role may open its screen; a new screen of the area adds a
row here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.returns.blueprint import bp

STAFF = frozenset({"employee", "logistics", "manager", "admin"})
COUNTER = frozenset({"employee", "manager", "admin"})
OFFICE = frozenset({"logistics", "manager", "admin"})
MANAGERS = frozenset({"manager", "admin"})


@dataclass(frozen=True)
class Tab:
    endpoint: str
    label: object
    roles: frozenset
    also: tuple[str, ...] = ()  # other endpoints that light the tab up


TABS = (
    Tab("returns.index", _l("Returns"), STAFF, ("returns.detail",)),
    Tab("returns.counter", _l("Take back (counter)"), COUNTER, ("returns.counter_done",)),
    Tab("returns.transfers", _l("Transfers"), STAFF, ("returns.transfer_detail",)),
    Tab("returns.replenishment", _l("Replenishment"), OFFICE),
    Tab("returns.rules", _l("Restock rules"), MANAGERS),
)


@bp.app_template_global("returns_tabs")
def returns_tabs() -> list[tuple[Tab, bool]]:
    """(tab, current) for each tab the user may open, in order."""
    endpoint = request.endpoint or ""
    return [(tab, endpoint == tab.endpoint or endpoint in tab.also
             or endpoint.startswith(f"{tab.endpoint}_"))
            for tab in TABS if current_user.role in tab.roles]
