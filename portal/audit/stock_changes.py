"""Stock changes people made, for the audit screen's *Stock changes* tab.

The stock ledger already records every change with its user, so the audit screen reads
it instead of copying rows into ``audit_event``: receipts, adjustments (counts among
them), safety stock and CSV imports (adjustment and safety-stock rows) that carry a
user. Movements that follow orders, returns, transfers or feeds are the ledger's alone:
a sale rung up by a clerk is business, not a correction of the stock figures.
"""

from __future__ import annotations

from datetime import UTC

from flask_babel import to_user_timezone

from portal.inventory.labels import MOVEMENT_LABELS
from portal.inventory.ledger_queries import LedgerFilter, ledger_query
from portal.inventory.models import StockMovement
from portal.inventory.status import MovementKind

PEOPLE_KINDS = (MovementKind.RECEIPT, MovementKind.ADJUSTMENT, MovementKind.SAFETY_STOCK,
                MovementKind.OPENING)
PER_PAGE = 50


def people_kind_labels() -> dict[str, object]:
    """The kinds the tab lists, with their names, for its filter."""
    return {kind.value: MOVEMENT_LABELS[kind.value] for kind in PEOPLE_KINDS}


def stock_changes(flt: LedgerFilter, viewer):
    """Ledger rows of ``PEOPLE_KINDS`` with a user, newest first, joined like the ledger
    (``sku``, ``product_name``, ``location_code``, ``user_email``); ``flt``'s filters and
    ``viewer``'s store scope apply as on the ledger screen."""
    return ledger_query(flt, viewer).where(
        StockMovement.user_id.is_null(False)
        & StockMovement.kind.in_([kind.value for kind in PEOPLE_KINDS]))


def ledger_args(movement) -> dict[str, str]:
    """Ledger filters that show ``movement`` among its article's movements at its
    location on its (local) day."""
    day = to_user_timezone(movement.at.replace(tzinfo=UTC)).date().isoformat()
    return {"sku": movement.sku, "location": movement.location_code, "date_from": day,
            "date_to": day}
