"""The replenishment screen (/returns/replenishment, logistics, managers and admins): the
proposals with filters and a summary, and "Approve selected" turning the ticked
transfers into transfer orders (``replenishment.approve``).

The table shows the ``SHOWN`` rows with the largest need (out of stock first); the
summary counts them all. Each checkbox carries a proposal key (store, product, source,
quantity). The approval answers with the report above the new proposals: the fragment
for htmx, the whole page without JavaScript (the form's one-time ``run`` token makes a
reload create nothing twice).
"""

from __future__ import annotations

import secrets

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.login import roles_required
from portal.auth.roles import Role
from portal.errors import DomainError
from portal.htmx import wants_fragment
from portal.inventory.search import categories
from portal.locations.models import Location
from portal.locations.status import LocationKind
from portal.returns import replenishment
from portal.returns.blueprint import bp

VIEWERS = (Role.LOGISTICS, Role.MANAGER, Role.ADMIN)
SHOWN = 500


def _stores() -> list[Location]:
    return list(Location.select(Location.id, Location.code, Location.name)
                .where(Location.active == True,  # noqa: E712
                       Location.kind == LocationKind.STORE).order_by(Location.code))


def _filters(source) -> dict:
    return {"store": source.get("store", "").strip().upper()[:16],
            "category": source.get("category", "").strip()[:80],
            "out_of_stock": "1" if source.get("out_of_stock") == "1" else "",
            "select": "all" if source.get("select") == "all" else ""}


def _transfer_url(transfer) -> str | None:
    """The transfer's page, once a screen for it is registered (else None)."""
    endpoint = "returns.transfer_detail"
    if endpoint not in current_app.view_functions:
        return None
    rule = next(current_app.url_map.iter_rules(endpoint))
    if "number" in rule.arguments:
        return url_for(endpoint, number=transfer.number)
    name = next(iter(rule.arguments), "transfer_id")
    return url_for(endpoint, **{name: transfer.id})


def _context(filters: dict, approval: replenishment.Approval | None = None,
             error: str = "") -> dict:
    stores = _stores()
    if filters["store"] and filters["store"] not in {s.code for s in stores}:
        abort(404)
    rows = replenishment.proposals(replenishment.Params(
        store=filters["store"], category=filters["category"],
        out_of_stock=bool(filters["out_of_stock"])))
    keep = {k: v for k, v in filters.items() if v and k != "select"}
    return {"filters": filters, "keep": keep, "stores": stores, "categories": categories(),
            "rows": rows[:SHOWN], "total": len(rows), "shown": SHOWN,
            "summary": replenishment.summary(rows), "approval": approval, "error": error,
            "run": secrets.token_urlsafe(12), "transfer_url": _transfer_url,
            "sales_days": replenishment.sales_days(),
            "cover_days": replenishment.cover_days()}


def _render(context: dict):
    if wants_fragment():
        return render_template("returns/_replenishment.html", **context)
    return render_template("returns/replenishment.html", **context)


@bp.get("/replenishment", endpoint="replenishment")
@roles_required(*VIEWERS)
def replenishment_page():
    return _render(_context(_filters(request.args)))


@bp.post("/replenishment/approve", endpoint="replenishment_approve")
@roles_required(*VIEWERS)
def approve_replenishment():
    """Approve the ticked proposals; the report and the new proposals answer."""
    filters = {**_filters(request.form), "select": ""}
    keys = request.form.getlist("pick")
    if not keys:
        return _render(_context(filters, error=_("Select at least one proposed transfer."))), 400
    try:
        approval = replenishment.approve(keys, current_user,
                                         run=request.form.get("run", "")[:40])
    except DomainError as failure:
        return _render(_context(filters, error=failure.message)), failure.status
    return _render(_context(filters, approval))

