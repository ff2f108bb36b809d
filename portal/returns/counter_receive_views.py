"""Returns anywhere, at the counter: a customer brings a return announced for any store
(through the web shop's API or at another counter) to this store.

The counter search finds it (RMA number, order number, e-mail address, tracking code);
this page shows its lines with a condition, a note and photos each, and
``receive_at_counter`` receives it here, books it at this store and refunds. The result
is the counter's result page. Employees receive at their home store (the server decides,
not the form), managers and admins choose the store.

An employee sees another store's open return only here, never in the returns list; once
received it is this store's. A return that is not open any more, or whose parcel the
carrier has, shows why instead of the form; bad input shows the form again with its
errors and nothing written; a return another store received meanwhile is refused with
its reason (409).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.errors import DomainError
from portal.returns import queries
from portal.returns.blueprint import bp
from portal.returns.counter_views import _counter_user, _store, _store_choices
from portal.returns.models import ReturnOrder
from portal.returns.photos import ACCEPT, PER_LINE, read_uploads
from portal.returns.receiving import receive_at_counter, why_not_at_counter
from portal.returns.status import Condition
from portal.returns.views import _input_name


@bp.route("/counter/receive/<number>", methods=["GET", "POST"])
@login_required
def counter_receive(number: str):
    """GET: the announced return with its inspection form; POST: receive it here."""
    _counter_user()
    rma = queries.find_at_counter(number)
    if rma is None:
        abort(404)
    if request.method == "POST":
        return _receive(rma)
    return _page(rma)


def _page(rma: ReturnOrder, form=None, errors: dict | None = None, problem: str = "",
          status: int = 200):
    refusal = why_not_at_counter(rma)
    stores = _store_choices()
    chosen = (form or {}).get("store") or (
        rma.announced_location.code if rma.announced_location_id else "")
    return render_template(
        "returns/counter_receive.html", rma=rma, order=rma.order,
        announced=rma.announced_location if rma.announced_location_id else None,
        lines=queries.return_lines(rma), refusal=refusal,
        problem="" if problem == refusal else problem,
        visible=bool(refusal) and queries.find_visible(current_user, rma.number) is not None,
        form=form or {}, errors=errors or {}, conditions=list(Condition), stores=stores,
        chosen=chosen, home=current_user.home_store if current_user.is_store_scoped else None,
        photo_accept=ACCEPT, photos_per_line=PER_LINE), status


def _receive(rma: ReturnOrder):
    form = request.form
    store = _store(form.get("store", ""))
    lines = queries.return_lines(rma)
    conditions = {view.line.id: form.get(f"condition-{view.line.id}", "") for view in lines}
    notes = {view.line.id: note for view in lines
             if (note := form.get(f"note-{view.line.id}", "").strip()[:200])}
    photos = {view.line.id: read_uploads(request.files.getlist(f"photos-{view.line.id}"))
              for view in lines}
    try:
        received, _refund = receive_at_counter(rma, store, conditions, current_user, notes,
                                               photos)
    except DomainError as error:
        received = getattr(error, "rma", None)
        if received is None:  # refused before anything was written
            errors = {_input_name(key): text for key, text in error.fields.items()}
            return _page(rma, form, errors, error.message, 422 if errors else error.status)
        flash(_("The refund failed: %(reason)s", reason=error.message), "error")
    flash(_("%(number)s is received.", number=received.number), "success")
    return redirect(url_for(".counter_done", number=received.number))
