"""Routes of the demo marketplace (``simulator.py``) on the ``demo`` blueprint.

``POST availability`` and ``GET orders`` are its API (bearer ``MARKETPLACE_TOKEN``
when one is set, no CSRF); ``/demo/marketplace/`` shows staff what it received and
sold, and "Sell one now" makes a sale at once.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from portal.db import utcnow
from portal.demo.views import bp
from portal.forms import csrf, parse_whole_number
from portal.inventory.status import Channel
from portal.marketplace.simulator import SIMULATOR, utc_text
from portal.orders.models import Order


def _check_token() -> None:
    token = current_app.config.get("MARKETPLACE_TOKEN", "")
    given = request.headers.get("Authorization", "")
    if token and not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        abort(401)


def _taken_up_to() -> int:
    """The highest n of the portal's orders ``MP-<n>`` (a restarted simulator goes on)."""
    refs = (Order.select(Order.external_ref)
            .where(Order.channel == Channel.MARKETPLACE, Order.external_ref.startswith("MP-"))
            .tuples())
    return max((int(ref[3:]) for (ref,) in refs if ref[3:].isdigit()), default=0)


@bp.post("/marketplace/availability")
@csrf.exempt
def receive_availability():
    """Take ``{"items": [{"sku", "available"}, ...]}``."""
    _check_token()
    body = request.get_json(silent=True)
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return jsonify({"error": "Send {\"items\": [{\"sku\", \"available\"}, ...]}."}), 400
    try:
        accepted = SIMULATOR.receive(items, utcnow())
    except ValueError as error:
        return jsonify({"error": str(error)}), 400
    return jsonify({"accepted": accepted})


@bp.get("/marketplace/orders")
def list_orders():
    """Orders created at or after ``since``, a page at a time; page 1 may sell first."""
    _check_token()
    page = parse_whole_number(request.args.get("page", "1"))
    since = _since(request.args.get("since"))
    if page is None or page < 1 or since is False:
        return jsonify({"error": "page >= 1, since as ISO 8601 time."}), 400
    now = utcnow()
    if page == 1 and SIMULATOR.sale_due(now, current_app.config.get(
            "DEMO_MARKETPLACE_SALE_SECONDS", 120)):
        SIMULATOR.sell(now, _taken_up_to())
    return jsonify(SIMULATOR.orders_since(since, page))


def _since(value: str | None):
    """``since`` in the simulator's spelling; None when absent, False when unreadable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return False
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return utc_text(moment)


@bp.get("/marketplace/")
@login_required
def page():
    seen = SIMULATOR.snapshot()
    refs = [order["id"] for order in seen["orders"][:200]]
    numbers = dict(Order.select(Order.external_ref, Order.number)
                   .where(Order.channel == Channel.MARKETPLACE, Order.external_ref.in_(refs))
                   .tuples()) if refs else {}
    sold = [(order, datetime.fromisoformat(order["created_at"].removesuffix("Z")))
            for order in seen["orders"][:200]]
    return render_template("demo/marketplace.html", pushes=seen["pushes"][:200],
                           sold=sold, numbers=numbers,
                           on_offer=seen["on_offer"], known=seen["known"],
                           push_count=len(seen["pushes"]),
                           jobs_url=url_for("jobs.index")
                           if "jobs.index" in current_app.view_functions else None)


@bp.post("/marketplace/sell")
@login_required
def sell_now():
    order = SIMULATOR.sell(utcnow(), _taken_up_to())
    if order is None:
        flash(_("Nothing is on offer yet: push the availability first."), "error")
    else:
        flash(_("Sold %(sku)s as %(id)s; the next order pull brings it into the portal.",
                sku=order["lines"][0]["sku"], id=order["id"]), "success")
    return redirect(url_for("demo.page"))
