"""Stock screens: search across the pool, the product page, inline adjust and receive."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.auth.login import roles_required
from portal.auth.roles import Role
from portal.errors import DomainError
from portal.forms import apply_domain_error, choices, parse_whole_number, render_form
from portal.htmx import wants_fragment, with_trigger
from portal.inventory import search, services
from portal.inventory.buffers import list_buffers, set_channel_buffer
from portal.inventory.errors import InventoryInvalid
from portal.inventory.forms import BufferForm, StockChangeForm
from portal.inventory.models import IncomingStock, Product, StockLevel
from portal.inventory.permissions import can_change_stock, can_receive_at
from portal.inventory.product_page import distance_from_home, product_overview
from portal.locations.models import Location
from portal.urls import safe_next

bp = Blueprint("stock", __name__, url_prefix="/stock")

STOCK_CHANGED = "stock-changed"


@bp.get("/")
@login_required
def search_page():
    default_location = current_user.home_store.code if current_user.home_store else ""
    flt = search.StockFilter.from_args(request.args, default_location=default_location
                                       if "location" not in request.args else "")
    query = search.stock_query(flt)
    total = search.capped_count(query)
    rows = list(query.paginate(flt.page, search.PER_PAGE))
    context = {"flt": flt, "rows": rows, "total": total, "cap": search.COUNT_CAP,
               "pages": max(1, -(-min(total, search.COUNT_CAP) // search.PER_PAGE)),
               "incoming": search.incoming_totals(rows), "sort_labels": search.SORT_LABELS}
    if wants_fragment():
        return render_template("inventory/_results.html", **context)
    return render_template("inventory/search.html", categories=search.categories(),
                           locations=search.location_choices(), **context)


@bp.get("/products/<sku>")
@login_required
def product(sku: str):
    item = Product.get_or_none(Product.sku == sku)
    if item is None:
        abort(404)
    return render_template("inventory/product.html", **product_overview(item, current_user))


def _editable_level(level_id: int) -> StockLevel:
    """The stock row, if this user may change it (another store's row is a 404)."""
    level = StockLevel.get_or_none(StockLevel.id == level_id)
    if level is None or not can_change_stock(current_user, level.location):
        abort(404)
    return level


@bp.route("/levels/<int:level_id>/change", methods=["GET", "POST"])
@login_required
def change_level(level_id: int):
    """Receive, adjust, count or set safety stock on one row (inline with htmx)."""
    level = _editable_level(level_id)
    form = StockChangeForm()
    if form.validate_on_submit():
        try:
            _apply_change(level, form)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            level = StockLevel.get_by_id(level.id)
            if wants_fragment():
                row = _row(level, can_change=True, changed=True)
                return with_trigger(row, STOCK_CHANGED)
            flash(_("Stock of %(sku)s at %(location)s saved.", sku=level.product.sku,
                    location=level.location.code), "success")
            return redirect(safe_next(request.args.get("next"),
                                      url_for(".product", sku=level.product.sku)))
    template = "inventory/_level_form.html" if wants_fragment() else "inventory/change.html"
    status = 400 if form.errors or form.form_errors else 200
    return render_template(template, level=level, form=form,
                           context=request.args.get("context", "search")), status


@bp.get("/levels/<int:level_id>/row")
@login_required
def level_row(level_id: int):
    """The plain row again (the inline form's Cancel)."""
    level = StockLevel.get_or_none(StockLevel.id == level_id)
    if level is None:
        abort(404)
    return _row(level, can_change=can_change_stock(current_user, level.location))


def _row(level: StockLevel, **context) -> str:
    """One stock row as the search ("search") or the product page ("product") shows it."""
    return render_template("inventory/_level_row.html", level=level,
                           context=request.args.get("context", "search"),
                           km=distance_from_home(current_user, level.location),
                           incoming_qty=search.incoming_totals([level]).get(
                               (level.product_id, level.location_id), 0), **context)


@bp.post("/incoming/<int:incoming_id>/receive")
@login_required
def receive_incoming(incoming_id: int):
    """Book an announced delivery in (all of it, or the counted quantity)."""
    incoming = IncomingStock.get_or_none(IncomingStock.id == incoming_id)
    if incoming is None or not can_receive_at(current_user, incoming.location):
        abort(404)
    back = safe_next(request.form.get("next"),
                     url_for("locations.detail", code=incoming.location.code))
    text = (request.form.get("quantity") or "").strip()
    quantity = parse_whole_number(text)
    try:
        if text and quantity is None:
            raise InventoryInvalid(_("Quantity must be a whole number."))
        services.receive_incoming(incoming, quantity=quantity, user=current_user)
    except DomainError as error:
        if wants_fragment():
            return with_trigger(render_template("inventory/_receive_error.html",
                                                message=error.message), "stock-error", 400)
        flash(error.message, "error")
        return redirect(back)
    message = _("Delivery %(reference)s booked in.", reference=incoming.reference or
                incoming.id)
    if wants_fragment():
        return with_trigger(render_template("inventory/_receive_done.html", message=message),
                            STOCK_CHANGED)
    flash(message, "success")
    return redirect(back)


@bp.route("/buffers", methods=["GET", "POST"])
@roles_required(Role.MANAGER, Role.ADMIN)
def buffers():
    """Managers hold stock back from a channel (0 removes a buffer)."""
    form = BufferForm()
    form.location.choices = choices([("", _("All locations"))] + [
        (loc.id, f"{loc.code} · {loc.name}") for loc in search.location_choices()])
    if form.validate_on_submit():
        location_id = parse_whole_number(form.location.data)
        location = Location.get_or_none(Location.id == location_id) if location_id else None
        try:
            set_channel_buffer(form.channel.data, location, form.quantity.data, current_user)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(_("Buffer saved."), "success")
            return redirect(url_for(".buffers"))
    return render_form("inventory/buffers.html", form, buffers=list_buffers())


def _apply_change(level: StockLevel, form: StockChangeForm) -> None:
    action, quantity = form.action.data, form.quantity.data
    product, location = level.product, level.location
    if action == "receive":
        services.receive_stock(product, location, quantity, user=current_user,
                               reference=form.reference.data or "", reason=form.note.data or "")
    elif action == "count":
        services.count_stock(product, location, quantity, user=current_user,
                             note=form.note.data or "")
    elif action == "safety":
        services.set_safety_stock(product, location, quantity, user=current_user)
    else:
        delta = quantity if action == "add" else -quantity
        services.adjust_stock(product, location, delta, form.reason.data, user=current_user,
                              note=form.note.data or "", reference=form.reference.data or "")

