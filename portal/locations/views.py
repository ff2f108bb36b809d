"""Location list and pages; administrators create and edit locations."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.auth.login import require_visible_location, roles_required
from portal.auth.roles import Role
from portal.forms import apply_domain_error, render_form
from portal.htmx import wants_fragment
from portal.inventory import queries as stock
from portal.locations import services
from portal.locations.forms import LocationForm
from portal.locations.models import Location
from portal.pagination import paginate

bp = Blueprint("locations", __name__, url_prefix="/locations")


@bp.get("/")
@roles_required(Role.LOGISTICS, Role.MANAGER, Role.ADMIN)
def index():
    query = request.args.get("q", "").strip()
    kind = request.args.get("kind", "")
    page = paginate(services.search_locations(query, kind), per_page=25)
    context = {"page": page, "q": query, "kind": kind, "staff": services.staff_counts()}
    if wants_fragment():
        return render_template("locations/_rows.html", **context)
    return render_template("locations/index.html", **context)


@bp.get("/mine")
@login_required
def my_store():
    if current_user.home_store is None:
        abort(404)
    return redirect(url_for(".detail", code=current_user.home_store.code))


@bp.get("/<code>")
@login_required
def detail(code: str):
    location = require_visible_location(Location.get_or_none(Location.code == code.upper()))
    return render_template(
        "locations/detail.html", location=location,
        summary=stock.stock_summary(location), low_stock=list(stock.low_stock(location)),
        incoming=list(stock.incoming_stock(location)),
        nearby=services.nearby_locations(location))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create():
    form = LocationForm()
    if form.validate_on_submit():
        try:
            location = services.create_location(form.location_data(), current_user)
        except services.LocationInvalid as error:
            apply_domain_error(form, error)
        else:
            flash(_("Location %(code)s created.", code=location.code), "success")
            return redirect(url_for(".detail", code=location.code))
    return render_form("locations/form.html", form, location=None)


@bp.route("/<code>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(code: str):
    location = require_visible_location(Location.get_or_none(Location.code == code.upper()))
    form = LocationForm(obj=location)
    form.code.data = location.code
    if form.validate_on_submit():
        try:
            services.update_location(location, form.location_data(), current_user)
        except services.LocationInvalid as error:
            apply_domain_error(form, error)
        else:
            flash(_("Location %(code)s saved.", code=location.code), "success")
            return redirect(url_for(".detail", code=location.code))
    return render_form("locations/form.html", form, location=location)

