"""The counter return: a customer brings articles back to a store, whether bought online,
here or in another store.

1. find the order by number, e-mail address or tracking token (or the tracking QR code);
   returns announced for any store are found with it, or by their RMA number, and
   received here (``counter_receive_views.py``);
2. per line how many units come back (at most what is left), their condition, a reason,
   photos if wanted;
3. ``take_back_at_counter`` registers, books and refunds in one go, and the result page
   says what to do with each article and what to hand back.

Employees take back at their home store, managers and admins choose the store. Bad input
shows the form again with its errors and writes nothing. Works without JavaScript; htmx
only swaps the search results.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.errors import DomainError
from portal.htmx import wants_fragment
from portal.locations.models import Location
from portal.orders.models import Order
from portal.payments import labels as payment_labels
from portal.returns import queries
from portal.returns.blueprint import bp
from portal.returns.counter_form import input_errors, read_form
from portal.returns.photos import ACCEPT, PER_LINE, read_uploads
from portal.returns.receiving import take_back_at_counter
from portal.returns.services import returnable
from portal.returns.status import Condition

COUNTER_ROLES = ("employee", "manager", "admin")


def _counter_user() -> None:
    if current_user.role not in COUNTER_ROLES:
        abort(403)


def _store_choices() -> list[Location] | None:
    """Stores taking returns a manager may choose (None for an employee: their own)."""
    if current_user.is_store_scoped:
        return None
    return list(Location.select().where(Location.kind == "store",
                                        Location.active == True,  # noqa: E712
                                        Location.accepts_returns == True)  # noqa: E712
                .order_by(Location.code))


def _store(code: str) -> Location:
    if current_user.is_store_scoped:
        if current_user.home_store is None:
            abort(403)
        return current_user.home_store
    store = next((s for s in _store_choices() if s.code == (code or "").upper()), None)
    if store is None:
        abort(400)
    return store


def _take_back_page(order: Order, form=None, errors: dict | None = None, problem: str = "",
                    status: int = 200):
    """Step 2: the order's lines with what may still come back, as a form."""
    left = returnable(order)
    return render_template(
        "returns/counter.html", order=order, found=[], query="",
        lines=queries.takeback_lines(order, left), returnable=queries.is_returnable(order),
        form=form or {}, errors=errors or {}, problem=problem, conditions=list(Condition),
        stores=_store_choices(), photo_accept=ACCEPT, photos_per_line=PER_LINE,
        home=current_user.home_store if current_user.is_store_scoped else None), status


@bp.route("/counter", methods=["GET", "POST"])
@login_required
def counter():
    """GET: search (``q``) or the chosen order's form (``order``); POST: take back."""
    _counter_user()
    if request.method == "POST":
        return _submit()
    number = request.args.get("order", "").strip().upper()[:20]
    if number:
        order = Order.get_or_none(Order.number == number)
        if order is None:
            abort(404)
        return _take_back_page(order)
    query = request.args.get("q", "").strip()[:200]
    found = queries.find_orders(query) if query else []
    context = {"found": found, "query": query,
               "returns": queries.find_returns(query, found) if query else [],
               "returnable_states": queries.RETURNABLE_ORDER_STATES}
    if wants_fragment():
        return render_template("returns/_counter_orders.html", **context)
    return render_template("returns/counter.html", order=None, **context)


def _submit():
    form = request.form
    order = Order.get_or_none(Order.number == form.get("order", "").strip().upper()[:20])
    if order is None:
        abort(404)
    store = _store(form.get("store", ""))
    lines = queries.takeback_lines(order, returnable(order))
    return_request, conditions, errors = read_form(form, order, lines)
    if errors:
        return _take_back_page(order, form, errors, _("Please correct the marked fields."),
                               422)
    photos = {entry["line_no"]: read_uploads(request.files.getlist(f"photos-{entry['line_no']}"))
              for entry in return_request.lines}
    try:
        rma, _refund = take_back_at_counter(return_request, store, conditions, current_user,
                                            photos)
    except DomainError as error:
        rma = getattr(error, "rma", None)
        if rma is None:  # refused before anything was written
            return _take_back_page(order, form, input_errors(error.fields, return_request),
                                   error.message, 422)
        flash(_("The refund failed: %(reason)s", reason=error.message), "error")
    return redirect(url_for(".counter_done", number=rma.number))


@bp.get("/counter/<number>")
@login_required
def counter_done(number: str):
    """The counter return's result: what to do with each article, what to hand back."""
    _counter_user()
    rma = queries.find_visible(current_user, number)
    if rma is None:
        abort(404)
    return render_template(
        "returns/counter_done.html", rma=rma, order=rma.order,
        lines=queries.return_lines(rma), refund=queries.refund_view(rma),
        payment_labels=payment_labels, provider_labels=payment_labels.provider_labels(),
        can_refund=queries.can_handle(current_user, rma),
        order_visible=queries.order_visible(current_user, rma.order))
