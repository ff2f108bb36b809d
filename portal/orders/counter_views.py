"""The store counter: scan articles, see stock here and nearby, choose where missing
ones come from (Order in Store), take the payment, print the confirmation.

Every form posts to a full URL and redirects back (works without JavaScript); htmx
requests get the basket panel back instead.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.auth.roles import Role
from portal.errors import DomainError
from portal.forms import parse_whole_number
from portal.htmx import is_htmx
from portal.locations.models import Location
from portal.locations.services import stores
from portal.orders import queries
from portal.orders.basket import Basket, basket_view, find_product, suggest_products
from portal.orders.confirmation import confirmation_pdf
from portal.orders.counter import CounterSale, checkout
from portal.orders.models import Order

bp = Blueprint("counter", __name__, url_prefix="/counter")

# The order service names fields by their API path; the counter form by its inputs.
FIELD_NAMES = {"customer.name": "customer_name", "customer.email": "customer_email",
               "customer.phone": "customer_phone", "shipping_address.street": "ship_street",
               "shipping_address.postcode": "ship_postcode",
               "shipping_address.city": "ship_city", "shipping_address.country": "ship_country",
               "shipping_address.name": "customer_name",
               "delivery.pickup_location": "delivery", "delivery.method": "delivery"}


@bp.before_request
@login_required
def _sellers_only():
    if current_user.role == Role.LOGISTICS:
        abort(403)


def _basket() -> Basket:
    """The session's basket, bound to the store the user may sell in."""
    basket = Basket.load(session)
    if current_user.is_store_scoped:
        home = current_user.home_store
        if home is None:
            abort(403)
        if basket.store != home.code:
            basket = Basket(store=home.code)
    elif not basket.store:
        first = stores().first()
        basket.store = first.code if first else ""
    return basket


def _panel(basket: Basket, status: int = 200, **extra):
    """The basket panel for htmx, or back to the counter page."""
    basket.save(session)
    if is_htmx():
        return render_template("orders/counter/_basket.html", **basket_view(basket),
                               oob=True, **extra), status
    return redirect(url_for(".index"))


def _fail(basket: Basket, error: DomainError):
    if is_htmx():
        return _panel(basket, 200, problem=error.message)
    flash(error.message, "error")
    return redirect(url_for(".index"))


@bp.get("/")
def index():
    basket = _basket()
    basket.save(session)
    return render_template("orders/counter/index.html", **basket_view(basket),
                           sale=CounterSale(delivery="", language=str(get_locale())), errors={},
                           store_choices=None if current_user.is_store_scoped else stores())


@bp.get("/lookup")
def lookup():
    """Active search below the scan field: articles matching what was typed."""
    return render_template("orders/counter/_suggestions.html",
                           products=suggest_products(request.args.get("code", "")))


@bp.post("/add")
def add():
    basket = _basket()
    code = request.form.get("code", "")
    product = find_product(code)
    if product is None:
        return _fail(basket, DomainError(_("No article with SKU or EAN “%(code)s”.",
                                           code=code.strip()[:40])))
    try:
        basket.add(product, parse_whole_number(request.form.get("quantity")) or 1)
    except DomainError as error:
        return _fail(basket, error)
    return _panel(basket, added=product.sku)


@bp.post("/lines/<sku>")
def change_line(sku: str):
    """Change a line's quantity (0 removes it) or where its units come from."""
    basket = _basket()
    try:
        if "source" in request.form:
            basket.set_source(sku, request.form["source"])
        if "quantity" in request.form:
            basket.set_quantity(sku, parse_whole_number(request.form["quantity"]))
        if "remove" in request.form:
            basket.set_quantity(sku, 0)
    except DomainError as error:
        return _fail(basket, error)
    return _panel(basket)


@bp.post("/store")
def choose_store():
    """Managers and admins sell on behalf of a store they choose."""
    code = request.form.get("store", "").upper()
    if current_user.is_store_scoped or not stores().where(Location.code == code).exists():
        abort(400)
    session.pop("counter_basket", None)
    Basket(store=code).save(session)
    return redirect(url_for(".index"))


@bp.post("/clear")
def clear():
    basket = _basket()
    basket.lines.clear()
    return _panel(basket)


@bp.post("/checkout")
def submit():
    basket = _basket()
    form = request.form
    sale = CounterSale(**{name: form.get(name, "")[:160] for name in (
        "delivery", "customer_name", "customer_email", "customer_phone", "ship_street",
        "ship_postcode", "ship_city", "ship_country", "payment_method",
        "payment_reference")})
    # The customer's language; a form without the field (an old page) keeps the default
    # the form offers: the language the counter speaks right now.
    sale.language = form.get("language", str(get_locale()))[:8]
    try:
        order = checkout(basket, sale, current_user)
    except DomainError as error:
        errors = {FIELD_NAMES.get(key, key): text for key, text in error.fields.items()}
        return render_template("orders/counter/index.html", **basket_view(basket), sale=sale,
                               errors=errors, problem=error.message,
                               store_choices=None if current_user.is_store_scoped
                               else stores()), 422
    basket.lines.clear()
    basket.save(session)
    return redirect(url_for(".done", number=order.number))


def _visible(number: str) -> Order:
    order = queries.visible_orders(current_user).where(Order.number == number).first()
    if order is None:
        abort(404)
    return order


@bp.get("/done/<number>")
def done(number: str):
    return render_template("orders/counter/done.html", **queries.order_details(_visible(number)))


@bp.get("/confirmation/<number>.pdf")
def confirmation(number: str):
    """The printable order confirmation (number, barcode, lines, tracking QR code)."""
    order = _visible(number)
    return send_file(confirmation_pdf(order), mimetype="application/pdf",
                     download_name=f"{order.number}.pdf")
