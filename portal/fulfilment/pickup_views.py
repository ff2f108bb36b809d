"""The Click & Collect pickup screen (blueprint ``pickups``, /pickups/): one store's
orders ready for pickup (hand over with the customer's code, send a new code) and those
still on the way (their parts; "parcel arrived" for parcels coming to the store).

Who serves which store: an employee their home store; managers and admins any store;
logistics staff any store too, since they receive the parcels, but only the counter
roles hand orders over or send codes. A store, order or parcel the user may not serve
is a 404. The filters travel in each form's query string; without JavaScript a POST
redirects back to the list with flash messages, with htmx it answers the list fragment.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.login import roles_required
from portal.auth.roles import Role
from portal.db import utcnow
from portal.errors import DomainError
from portal.fulfilment import pickup_queries as queries
from portal.fulfilment.handover import collect as hand_over
from portal.fulfilment.handover import has_code
from portal.fulfilment.pickup import max_attempts, pickup_days, send_new_code
from portal.fulfilment.status import STATUS_LABELS as PART_LABELS
from portal.htmx import wants_fragment
from portal.locations.models import Location
from portal.orders.models import Order
from portal.orders.status import DeliveryMethod, OrderStatus
from portal.pagination import paginate
from portal.shipping import tracking
from portal.shipping.models import Shipment
from portal.shipping.status import STATUS_LABELS as PARCEL_LABELS
from portal.shipping.status import Destination, ShipmentStatus

bp = Blueprint("pickups", __name__, url_prefix="/pickups")
VIEWERS = (Role.EMPLOYEE, Role.LOGISTICS, Role.MANAGER, Role.ADMIN)
COUNTER = (Role.EMPLOYEE, Role.MANAGER, Role.ADMIN)
PER_PAGE = 20
# Parcels that left their location: the store may report them arrived.
ARRIVING = (ShipmentStatus.HANDED_OVER, ShipmentStatus.IN_TRANSIT)


def _filters(source) -> dict:
    return {"location": source.get("location", "").upper()[:16],
            "q": source.get("q", "").strip()[:80]}


def _location(code: str) -> tuple[Location, list[Location]]:
    """The asked store if the user may serve it (else 404), otherwise their first."""
    places = queries.pickup_locations(current_user)
    chosen = next((p for p in places if p.code == code), None) if code else (
        places[0] if places else None)
    if chosen is None:
        abort(404)
    return chosen, places


def _rows(location: Location, orders: list[Order]) -> list[dict]:
    articles, parts = queries.articles_of(orders), queries.parts_of(orders)
    parcels = queries.parcels_to(location, orders)
    now = utcnow()
    overdue_before = now - timedelta(days=pickup_days())
    rows = []
    for order in orders:
        ready_at = order.pickup_ready_at
        rows.append({"order": order, "articles": articles.get(order.id, []),
                     "parts": parts.get(order.id, []), "parcels": parcels.get(order.id, []),
                     "days": (now - ready_at).days if ready_at else 0,
                     "overdue": bool(ready_at and ready_at < overdue_before),
                     "has_code": (code := has_code(order)),
                     "locked": code and order.pickup_attempts >= max_attempts()})
    return rows


def _context(filters: dict, report: list | None = None, focus: str = "",
             errors: dict | None = None) -> dict:
    location, places = _location(filters["location"])
    keep = {k: v for k, v in {**filters, "location": location.code}.items() if v}
    page = paginate(queries.pickup_orders(location, filters["q"]), per_page=PER_PAGE,
                    endpoint="pickups.index", args=keep)
    rows = _rows(location, page.items)
    ready = [r for r in rows if r["order"].status == OrderStatus.READY_FOR_PICKUP]
    on_the_way = [r for r in rows if r["order"].status != OrderStatus.READY_FOR_PICKUP]
    if not any(r["order"].number == focus and not r["locked"] for r in ready):
        focus = ""  # nothing to type into: the report takes the focus
    return {"location": location, "locations": places, "filters": keep, "page": page,
            "keep": {**keep, "page": page.number}, "ready": ready,
            "on_the_way": on_the_way,
            "counts": queries.section_counts(location, filters["q"]),
            "report": report or [], "focus": focus, "errors": errors or {},
            "can_hand_over": current_user.has_role(*COUNTER), "arriving": ARRIVING,
            "part_labels": PART_LABELS, "parcel_labels": PARCEL_LABELS}


@bp.get("/")
@roles_required(*VIEWERS)
def index():
    context = _context(_filters(request.args))
    if wants_fragment():
        return render_template("fulfilment/_pickups.html", **context)
    return render_template("fulfilment/pickups.html", **context)


def _store_ids() -> set[int]:
    return {place.id for place in queries.pickup_locations(current_user)}


def _order(number: str) -> Order:
    """A Click & Collect order for a store the user serves, else 404."""
    order = Order.get_or_none(Order.number == number)
    if (order is None or order.delivery_method != DeliveryMethod.CLICK_COLLECT
            or order.pickup_location_id not in _store_ids()):
        abort(404)
    return order


def _answer(store: Location, report: list[tuple[bool, str]], focus: str = "",
            errors: dict | None = None):
    """The list fragment (htmx) or a redirect back to the list with flash messages."""
    filters = {**_filters(request.args), "location": store.code}
    if wants_fragment():
        return render_template("fulfilment/_pickups.html",
                               **_context(filters, report, focus, errors))
    for done, message in report:
        flash(message, "success" if done else "error")
    args = {k: v for k, v in {**filters, "page": request.args.get("page", "")}.items() if v}
    return redirect(url_for(".index", **args))


@bp.post("/<number>/collect")
@roles_required(*COUNTER)
def collect(number: str):
    """Hand the order over after checking the customer's code."""
    order = _order(number)
    try:
        hand_over(order, order.pickup_location, request.form.get("code", "")[:40],
                  current_user, id_checked=request.form.get("id_checked") == "1")
    except DomainError as error:
        fields = error.fields or {}
        return _answer(order.pickup_location, [(False, error.message)], focus=order.number,
                       errors={order.number: fields.get("code") or fields.get("id_checked", "")})
    return _answer(order.pickup_location,
                   [(True, _("%(number)s was handed over.", number=order.number))])


@bp.post("/<number>/new-code")
@roles_required(*COUNTER)
def new_code(number: str):
    """E-mail the customer a new pickup code (lost e-mail, or locked after wrong codes)."""
    order = _order(number)
    if not has_code(order):
        report = (False, _("%(number)s has no e-mail address: no code can be sent.",
                           number=order.number))
    else:
        try:
            send_new_code(order, current_user)
        except DomainError as error:
            report = (False, error.message)
        else:
            report = (True, _("A new pickup code for %(number)s was e-mailed to the "
                              "customer.", number=order.number))
    return _answer(order.pickup_location, [report])


@bp.post("/shipments/<int:shipment_id>/arrived")
@roles_required(*VIEWERS)
def arrived(shipment_id: int):
    """A parcel travelling to the store was received there."""
    shipment = Shipment.get_or_none(Shipment.id == shipment_id)
    if (shipment is None or shipment.destination != Destination.STORE
            or shipment.to_location_id not in _store_ids()):
        abort(404)
    store = shipment.to_location
    number = shipment.tracking_number
    if shipment.status not in ARRIVING:
        message = (_("Parcel %(tracking)s has already arrived.", tracking=number)
                   if shipment.status == ShipmentStatus.DELIVERED else
                   _("Parcel %(tracking)s has not been sent yet.", tracking=number))
        return _answer(store, [(False, message)])
    try:
        tracking.report(shipment, ShipmentStatus.DELIVERED, current_user, place=store.name)
    except DomainError as error:
        return _answer(store, [(False, f"{number}: {error.message}")])
    report = [(True, _("Parcel %(tracking)s arrived.", tracking=number))]
    order = Order.get_by_id(shipment.order_id)
    if order.status == OrderStatus.READY_FOR_PICKUP:
        report.append((True, _("%(number)s is ready for pickup.", number=order.number)))
    return _answer(store, report)
