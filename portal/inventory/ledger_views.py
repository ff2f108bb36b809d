"""The stock ledger screens: the filtered page and its CSV export (queries in
ledger_queries.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.csvfiles import csv_response
from portal.htmx import wants_fragment
from portal.inventory import ledger_queries as ledger
from portal.locations.models import Location

bp = Blueprint("ledger", __name__, url_prefix="/stock/ledger")


@bp.get("/")
@login_required
def index():
    """The ledger page; an htmx request gets only the rows fragment."""
    flt = ledger.LedgerFilter.from_args(request.args)
    if flt.location and not current_user.is_store_scoped and not Location.select().where(
            Location.code == flt.location).exists():
        flt.problems.append(_("There is no location “%(code)s”.", code=flt.location))
    page = ledger.ledger_page(flt, current_user, request.args.get("before"),
                              request.args.get("after"))
    context = {"flt": flt, "page": page, "total": ledger.capped_count(flt, current_user),
               "cap": ledger.COUNT_CAP}
    # htmx re-fetches the whole page after a history miss; that request wants the page.
    if wants_fragment():
        return render_template("inventory/_ledger_rows.html", **context)
    return render_template("inventory/ledger.html",
                           locations=ledger.location_choices(current_user), **context)


@bp.get("/export.csv")
@login_required
def export():
    """The filtered ledger as a streamed CSV download (same filters and scope as the page)."""
    flt = ledger.LedgerFilter.from_args(request.args)
    user = current_user._get_current_object()
    filename = f"stock-ledger-{datetime.now(UTC):%Y%m%d-%H%M}.csv"
    return csv_response(filename, ledger.EXPORT_HEADER, ledger.export_rows(flt, user))
