"""Transfer screens (routes on the ``returns`` blueprint): the list with filters, one
transfer with its lines, addresses and timeline, its steps (*Shipped* at the source,
*Received* at the target, *Cancel*), the printable delivery note and the source's pick
list. The fulfilment queue shows a location's transfers (template global
``queue_transfers``) and posts its steps here with ``next`` pointing back to the queue.

Scope and permissions are ``transfer_queries``'s: another store's transfer is a 404, a
step the user may not take a 403. A refused step (the transfer moved meanwhile, stock
gone) comes back as a flash message with nothing changed. Plain forms, no JavaScript
needed; the list's filters update the rows with htmx.
"""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.errors import DomainError
from portal.fulfilment.picklist import render_pick_list
from portal.htmx import wants_fragment
from portal.pagination import paginate
from portal.returns import transfer_queries as queries
from portal.returns.blueprint import bp
from portal.returns.delivery_note import render_delivery_note
from portal.returns.models import TransferOrder
from portal.returns.status import TRANSFER_LABELS
from portal.returns.transfers import cancel_transfer, receive_transfer, ship_transfer
from portal.urls import safe_next

# The incoming deliveries' tables (locations, dashboards) link transfers by number.
bp.add_app_template_global(queries.transfer_numbers, "transfer_numbers")
# The fulfilment queue shows the transfers waiting at its location.
bp.add_app_template_global(queries.queue_transfers, "queue_transfers")


def _visible(number: str) -> TransferOrder:
    transfer = queries.find_visible(current_user, number[:20])
    if transfer is None:
        abort(404)  # another store's transfer looks like no transfer at all
    return transfer


@bp.get("/transfers")
@login_required
def transfers():
    args = request.args
    filters = {"status": args.get("status", "") if args.get("status") in TRANSFER_LABELS
               else "", "source": args.get("from", "").strip().upper()[:16],
               "target": args.get("to", "").strip().upper()[:16]}
    page = paginate(queries.search_transfers(current_user, **filters), per_page=30,
                    endpoint="returns.transfers",
                    args={"status": filters["status"], "from": filters["source"],
                          "to": filters["target"]})
    context = {"page": page, "filters": filters, "status_labels": TRANSFER_LABELS,
               "locations": queries.filter_locations(current_user)}
    if wants_fragment():
        return render_template("returns/_transfers.html", **context)
    return render_template("returns/transfers.html", **context)


@bp.get("/transfers/<number>")
@login_required
def transfer_detail(number: str):
    transfer = _visible(number)
    return render_template("returns/transfer.html", transfer=transfer,
                           lines=queries.lines_of(transfer), status_labels=TRANSFER_LABELS,
                           may_ship=queries.may_ship(current_user, transfer),
                           may_receive=queries.may_receive(current_user, transfer),
                           may_cancel=queries.may_cancel(current_user, transfer))


@bp.get("/transfers/<number>.pdf")
@login_required
def transfer_pdf(number: str):
    transfer = _visible(number)
    pdf = render_delivery_note(transfer, queries.lines_of(transfer))
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf",
                         download_name=f"delivery-note-{transfer.number}.pdf")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/transfers/<number>/pick-list.pdf")
@login_required
def transfer_pick_list(number: str):
    """The fulfilment pick list (bins of the source) for the transfer's lines."""
    transfer = _visible(number)
    lines = [{"sku": line.product.sku, "name": line.product.name, "quantity": line.quantity,
              "promised_until": None} for line in queries.lines_of(transfer)]
    pdf = render_pick_list(transfer.from_location, [transfer], lines={transfer.id: lines},
                           job="transfer")
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf",
                         download_name=f"pick-list-{transfer.number}.pdf")
    response.headers["Cache-Control"] = "no-store"
    return response


def _step(number: str, allowed, step, done: str):
    """Take ``step`` if ``allowed``; refused steps become flash messages. Back to the
    transfer, or to a local ``next`` (the fulfilment queue)."""
    transfer = _visible(number)
    if not allowed(current_user, transfer):
        abort(403)
    try:
        step(transfer, current_user)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(done % {"number": transfer.number}, "success")
    return redirect(safe_next(request.form.get("next"),
                              url_for(".transfer_detail", number=transfer.number)), 303)


@bp.post("/transfers/<number>/ship")
@login_required
def transfer_ship(number: str):
    return _step(number, queries.may_ship, ship_transfer,
                 _("Transfer %(number)s is on its way."))


@bp.post("/transfers/<number>/receive")
@login_required
def transfer_receive(number: str):
    return _step(number, queries.may_receive, receive_transfer,
                 _("Transfer %(number)s received: the units are in stock here."))


@bp.post("/transfers/<number>/cancel")
@login_required
def transfer_cancel(number: str):
    return _step(number, queries.may_cancel, cancel_transfer,
                 _("Transfer %(number)s cancelled: the units are free again at the source."))
