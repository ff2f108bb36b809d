"""Staff screens of returns: the list, one return (lines, label, timeline, refund), and
its actions: receive (then refund), retry a failed refund, cancel a registered return.

Each action posts a plain form and redirects back with a flash message (no JavaScript
needed); a receive form missing a condition comes back with its errors, nothing written.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_currency
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.errors import DomainError
from portal.htmx import wants_fragment
from portal.pagination import paginate
from portal.payments import labels as payment_labels
from portal.payments.status import RefundStatus
from portal.returns import labels, queries, tabs  # noqa: F401 - both register globals
from portal.returns.blueprint import bp
from portal.returns.models import ReturnOrder
from portal.returns.photos import ACCEPT, PER_LINE, read_uploads
from portal.returns.receiving import receive_return
from portal.returns.refunding import refund_return
from portal.returns.services import ReturnInvalid, cancel_return
from portal.returns.status import Condition, ReturnStatus
from portal.shipping.errors import ShippingInvalid
from portal.shipping.label_source import labels_for
from portal.shipping.labels import render_4x6, render_a4
from portal.shipping.models import Shipment
from portal.urls import safe_next

bp.add_app_template_global(queries.returns_of_order, "order_returns")


def _visible(number: str) -> ReturnOrder:
    rma = queries.find_visible(current_user, number)
    if rma is None:
        abort(404)  # another store's return looks like no return at all
    return rma


@bp.get("/")
@login_required
def index():
    args = request.args
    filters = {"status": args.get("status", ""), "location": args.get("location", "")[:16],
               "text": args.get("q", "").strip()[:80]}
    page = paginate(queries.search_returns(current_user, **filters), per_page=30)
    context = {"page": page, "filters": filters,
               "locations": queries.location_choices(current_user),
               "counts": queries.status_counts(current_user)}
    if wants_fragment():
        return render_template("returns/_rows.html", **context)
    return render_template("returns/index.html", **context)


def _detail(rma: ReturnOrder, errors: dict | None = None, form=None, status: int = 200):
    order = rma.order
    return render_template(
        "returns/detail.html", rma=rma, order=order, lines=queries.return_lines(rma),
        events=queries.timeline(rma), refund=queries.refund_view(rma),
        payment_labels=payment_labels, provider_labels=payment_labels.provider_labels(),
        can_receive=queries.can_receive(current_user, rma),
        can_refund=queries.can_handle(current_user, rma),
        order_visible=queries.order_visible(current_user, order),
        conditions=list(Condition), errors=errors or {}, form=form or {},
        photo_accept=ACCEPT, photos_per_line=PER_LINE), status


@bp.get("/<number>")
@login_required
def detail(number: str):
    return _detail(_visible(number))


@bp.get("/<number>/label.pdf")
@login_required
def label(number: str):
    """The return parcel's label: ``?format=4x6`` (default) or ``a4``."""
    rma = _visible(number)
    shipment = Shipment.get_or_none(Shipment.id == rma.shipment_id) if rma.shipment_id else None
    if shipment is None:
        abort(404)
    try:
        found = labels_for([shipment])
    except ShippingInvalid as error:
        flash(error.message, "error")
        return redirect(url_for(".detail", number=rma.number))
    render = render_a4 if request.args.get("format") == "a4" else render_4x6
    return Response(render(found), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="return-label-{rma.number}.pdf"'})


@bp.post("/<number>/receive")
@login_required
def receive(number: str):
    """Inspect every line (a condition each, a note and photos if wanted), book them,
    refund."""
    rma = _visible(number)
    if not queries.can_receive(current_user, rma):
        abort(403)
    form = request.form
    lines = queries.return_lines(rma)
    conditions = {view.line.id: form.get(f"condition-{view.line.id}", "") for view in lines}
    notes = {view.line.id: form.get(f"note-{view.line.id}", "").strip()[:200]
             for view in lines}
    photos = {view.line.id: read_uploads(request.files.getlist(f"photos-{view.line.id}"))
              for view in lines}
    try:
        rma = receive_return(rma, rma.location, conditions, current_user,
                             {k: v for k, v in notes.items() if v}, photos)
    except ReturnInvalid as error:
        errors = {_input_name(key): text for key, text in error.fields.items()}
        flash(error.message, "error")
        return _detail(rma, errors, form, 400 if errors else 409)
    flash(_("%(number)s is received.", number=rma.number), "success")
    _refund(rma)
    return redirect(url_for(".detail", number=rma.number))


def _input_name(field: str) -> str:
    """The service's ``lines.<id>.condition`` is the form's ``condition-<id>`` (and
    ``lines.<id>.photos`` its ``photos-<id>``)."""
    parts = field.split(".")
    return f"{parts[2]}-{parts[1]}" if len(parts) == 3 and parts[0] == "lines" else field


def _refund(rma: ReturnOrder) -> None:
    """Refund ``rma`` and say how it went (a refused refund can be retried)."""
    try:
        refund = refund_return(rma, current_user)
    except DomainError as error:
        flash(_("The refund failed: %(reason)s", reason=error.message), "error")
        return
    if refund is None:
        return
    amount = format_currency(refund.amount, refund.currency)
    if refund.status == RefundStatus.PENDING:
        flash(_("A refund of %(amount)s was requested; the provider confirms it.",
                amount=amount), "info")
    else:
        flash(refund.note or _("%(amount)s refunded.", amount=amount), "success")


@bp.post("/<number>/refund")
@login_required
def retry_refund(number: str):
    """Ask the provider again after a failed refund (one refund per RMA at most)."""
    rma = _visible(number)
    if not queries.can_handle(current_user, rma) or rma.status != ReturnStatus.RECEIVED:
        abort(403)
    _refund(rma)
    return redirect(safe_next(request.form.get("next"),
                              url_for(".detail", number=rma.number)))


@bp.post("/<number>/cancel")
@login_required
def cancel(number: str):
    """The customer will not send a registered return: its units may come back later."""
    rma = _visible(number)
    if not queries.can_handle(current_user, rma):
        abort(403)
    try:
        cancel_return(rma, current_user, request.form.get("note", "").strip()[:200])
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("%(number)s is cancelled.", number=rma.number), "success")
    return redirect(url_for(".detail", number=rma.number))
