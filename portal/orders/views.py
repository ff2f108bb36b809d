"""Order screens for staff, and the public tracking page."""

from __future__ import annotations

import secrets
from datetime import date

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, format_currency, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.errors import DomainError
from portal.fulfilment.queries import fulfilments_of, queue_locations
from portal.fulfilment.services import reject_at
from portal.fulfilment.status import STATUS_LABELS as FULFILMENT_LABELS
from portal.htmx import htmx_redirect, wants_fragment
from portal.i18n import customer_language, language_name, languages, reader_chose_language
from portal.locations.models import Location
from portal.orders import queries
from portal.orders.labels import RESERVATION_LABELS, order_text
from portal.orders.models import Order
from portal.orders.queries import location_choices
from portal.orders.resourcing import source_again
from portal.orders.status import HOLDS_STOCK
from portal.orders.tracking import find_order, tracking_of
from portal.pagination import paginate
from portal.payments import labels as payment_labels
from portal.payments.queries import order_payments
from portal.payments.refunds import cancel_with_refund
from portal.payments.services import record_in_store_payment
from portal.shipping import queries as shipping_queries
from portal.shipping.carriers import CARRIER_NAMES, SERVICE_NAMES
from portal.shipping.models import Shipment
from portal.shipping.status import STATUS_LABELS as SHIPMENT_LABELS
from portal.shipping.status import ShipmentStatus
from portal.shipping.tracking import TrackingEventInvalid, report

bp = Blueprint("orders", __name__, url_prefix="/orders")
tracking_bp = Blueprint("tracking", __name__, url_prefix="/track")
# Our own vans report their parcels through the order page.
SHIPMENT_REPORTERS = ("logistics", "manager", "admin")
HAND_REPORTS = (ShipmentStatus.IN_TRANSIT, ShipmentStatus.DELIVERED)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.get("/")
@login_required
def index():
    args = request.args
    filters = {"text": args.get("q", "").strip()[:80], "status": args.get("status", ""),
               "channel": args.get("channel", ""), "day_from": _day(args.get("from")),
               "day_to": _day(args.get("to")), "location": args.get("location", "")[:16],
               "attention": args.get("attention") == "1"}
    page = paginate(queries.search_orders(current_user, **filters), per_page=30)
    context = {"page": page, "filters": filters, "locations": location_choices(current_user),
               "counts": queries.status_counts(current_user)}
    if wants_fragment():
        return render_template("orders/_rows.html", **context)
    return render_template("orders/index.html", **context)


def _visible(number: str) -> Order:
    order = queries.visible_orders(current_user).where(Order.number == number).first()
    if order is None:
        abort(404)  # another store's order looks like no order at all
    return order


@bp.get("/<number>")
@login_required
def detail(number: str):
    order = _visible(number)
    staff = current_user.role in ("manager", "admin", "employee")
    payments = order_payments(order)
    return render_template("orders/detail.html",
                           can_cancel=staff and order.status in HOLDS_STOCK,
                           can_take_payment=staff and order.status == "pending_payment",
                           payments=payments, payment_labels=payment_labels,
                           provider_labels=payment_labels.provider_labels(),
                           to_refund=sum(view.refundable for view in payments),
                           parts=queries.fulfilment_parts(order, current_user)
                           if order.status in HOLDS_STOCK else [],
                           decisions=queries.sourcing_decisions(order),
                           fulfilments=fulfilments_of(order),
                           fulfilment_labels=FULFILMENT_LABELS,
                           reservation_labels=RESERVATION_LABELS,
                           customer_language=language_name(customer_language(order.language)),
                           **_shipments_context(order),
                           **queries.order_details(order))


def _shipments_context(order: Order) -> dict:
    """The order page's shipments panel (``orders/_shipments.html``)."""
    groups = shipping_queries.by_fulfilment(order.id)
    return {"shipment_groups": groups, "shipment_labels": SHIPMENT_LABELS,
            "service_names": SERVICE_NAMES, "carrier_names": CARRIER_NAMES,
            "can_report_by_hand":
            shipping_queries.can_report_by_hand if current_user.role in SHIPMENT_REPORTERS
            else None,
            "label_locations": {place.id for place in queue_locations(current_user)}
            if groups else set(),
            "report_token": secrets.token_urlsafe(12)}


@bp.post("/<number>/shipments/<int:shipment_id>/events")
@login_required
def shipment_event(number: str, shipment_id: int):
    """Our own van reports a house-carrier parcel in transit or delivered."""
    order = _visible(number)
    if current_user.role not in SHIPMENT_REPORTERS:
        abort(403)
    shipment = Shipment.get_or_none(Shipment.id == shipment_id, Shipment.order == order.id)
    if shipment is None:
        abort(404)
    status, token = request.form.get("status", ""), request.form.get("token", "")[:40]
    try:
        if status not in HAND_REPORTS or not shipping_queries.can_report_by_hand(shipment):
            raise TrackingEventInvalid(_("Shipment %(number)s cannot be reported from here.",
                                         number=shipment.tracking_number))
        done = report(shipment, status, current_user, source="portal",
                      event_id=f"form:{shipment.id}:{token}:{status}" if token else None,
                      place=request.form.get("place", "").strip()[:120])
    except DomainError as error:
        ok, message = False, error.message
    else:
        ok = True
        message = _("%(number)s: %(status)s.", number=shipment.tracking_number,
                    status=SHIPMENT_LABELS[ShipmentStatus(done.shipment.status)])
    moved_order = Order.get_by_id(order.id).status != order.status
    if wants_fragment() and not moved_order:
        return render_template("orders/_shipments.html", order=order, notice=(ok, message),
                               fulfilment_labels=FULFILMENT_LABELS, **_shipments_context(order))
    flash(message, "success" if ok else "error")
    target = url_for(".detail", number=number, _anchor="shipments")
    return htmx_redirect(target) if wants_fragment() else redirect(target)


def _staff_action(number: str, action, success: str):
    """Run ``action(order)`` for a counter or office user, show its outcome as a flash
    message, and return to the order page (logistics staff only look at orders)."""
    order = _visible(number)
    if current_user.role == "logistics":
        abort(403)
    try:
        action(order)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(success, "success")
    return redirect(url_for(".detail", number=number))


@bp.post("/<number>/cancel")
@login_required
def cancel(number: str):
    def cancel_and_refund(order):
        for refund in cancel_with_refund(order, current_user,
                                         request.form.get("reason", "")[:200]):
            flash(refund.note or _("%(amount)s refunded.", amount=format_currency(
                refund.amount, refund.currency)), "info")

    return _staff_action(number, cancel_and_refund,
                         _("Order %(number)s cancelled; its stock is free again.", number=number))


@bp.post("/<number>/pay-in-store")
@login_required
def pay_in_store(number: str):
    """An employee took the money at the counter (cash or card terminal)."""
    return _staff_action(number, lambda order: record_in_store_payment(
        order, request.form.get("method", ""), request.form.get("reference", ""), current_user),
        _("Payment recorded; order %(number)s is confirmed.", number=number))


@tracking_bp.get("/<token>")
def track(token: str):
    """Public: what the customer may see (``orders/tracking.py``), no personal data."""
    order = find_order(token)
    if order is None:
        abort(404)
    # The reader's language when they chose one, are logged in or their browser asks for
    # one the portal speaks; else the order's (the customer's, which its e-mails speak)
    # rather than the portal's default.
    chosen = reader_chose_language() or request.accept_languages.best_match(languages())
    with force_locale(str(get_locale()) if chosen else customer_language(order.language)):
        response = make_response(render_template(
            "orders/tracking.html", order=order, tracking=tracking_of(order),
            shipment_labels=SHIPMENT_LABELS))
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@tracking_bp.get("/parcel/<tracking_number>")
def parcel(tracking_number: str):
    """The URL in a label's QR code: on to the order's tracking page."""
    shipment = shipping_queries.find_shipment(tracking_number)
    if shipment is None:
        abort(404)
    order = Order.get_by_id(shipment.order_id)
    return redirect(url_for(".track", token=order.tracking_token), 302)


@bp.post("/<number>/fulfilments/<code>/reject")
@login_required
def reject(number: str, code: str):
    """A location cannot fulfil its part: release it and source the units again."""
    order = _visible(number)
    location = Location.get_or_none(Location.code == code.upper())
    if location is None or not queries.can_reject_at(current_user, location):
        abort(404 if location is None else 403)
    return _sourcing_outcome(
        number, lambda: reject_at(order, location, current_user,
                                  request.form.get("reason", "")[:160]),
        _("%(location)s's part was sourced again.", location=location.code))


def _sourcing_outcome(number: str, run, success: str):
    """Run a re-sourcing step and tell its outcome: sourced, needing attention, or why
    nothing happened; then back to the order page."""
    try:
        order = run()
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(order_text(order.attention), "error") if order.attention \
            else flash(success, "success")
    return redirect(url_for(".detail", number=number))


@bp.post("/<number>/source-again")
@login_required
def source_again_view(number: str):
    """Managers run the published rules again for an order that needs attention."""
    order = _visible(number)
    if current_user.role not in ("manager", "admin"):
        abort(403)
    return _sourcing_outcome(number, lambda: source_again(order, current_user),
                             _("Order %(number)s is sourced.", number=number))
