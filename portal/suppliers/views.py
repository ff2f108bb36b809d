"""Supplier list and pages; managers and administrators create and edit suppliers,
logistics reads them."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.login import roles_required
from portal.auth.roles import Role
from portal.forms import apply_domain_error, render_form
from portal.htmx import wants_fragment
from portal.pagination import paginate
from portal.suppliers import services
from portal.suppliers.countries import ISO_COUNTRIES, country_name
from portal.suppliers.errors import SupplierInvalid
from portal.suppliers.forms import SupplierForm
from portal.suppliers.models import Supplier
from portal.suppliers.queries import warehouse_stock

bp = Blueprint("suppliers", __name__, url_prefix="/suppliers")
bp.add_app_template_global(country_name, "country_name")

READERS = (Role.LOGISTICS, Role.MANAGER, Role.ADMIN)
EDITORS = (Role.MANAGER, Role.ADMIN)
FLAGS = {"yes": True, "no": False}
STATUSES = {"active": True, "inactive": False}


def _filters() -> dict:
    """The list's filters from the query string; unknown values mean "any"."""
    args = request.args
    country = args.get("country", "").strip().upper()
    return {"q": args.get("q", "").strip()[:80],
            "country": country if country in ISO_COUNTRIES else "",
            "dropship": args.get("dropship", "") if args.get("dropship") in FLAGS else "",
            "status": args.get("status", "") if args.get("status") in STATUSES else ""}


@bp.get("/")
@roles_required(*READERS)
def index():
    filters = _filters()
    query = services.search_suppliers(filters["q"], filters["country"],
                                      FLAGS.get(filters["dropship"]),
                                      STATUSES.get(filters["status"]))
    page = paginate(query, per_page=25)
    context = {"page": page, "filters": filters,
               "countries": services.countries_by_supplier(s.id for s in page.items),
               "can_edit": current_user.has_role(*EDITORS)}
    if wants_fragment():
        return render_template("suppliers/_rows.html", **context)
    served = sorted(set(services.served_countries()) | ({filters["country"]} - {""}),
                    key=country_name)
    return render_template("suppliers/index.html", served=served, **context)


@bp.get("/<code>")
@roles_required(*READERS)
def detail(code: str):
    supplier = services.get_supplier(code)
    return render_template("suppliers/detail.html", supplier=supplier,
                           countries=sorted(services.country_codes(supplier),
                                            key=country_name),
                           stock=warehouse_stock(supplier.location),
                           can_edit=current_user.has_role(*EDITORS))


def _location_choices(supplier: Supplier | None) -> list[tuple[str, str]]:
    return [("", _("None yet")), *((loc.code, f"{loc.name} ({loc.code})")
                                   for loc in services.assignable_locations(supplier))]


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def create():
    form = SupplierForm()
    form.location.choices = _location_choices(None)
    if form.validate_on_submit():
        try:
            supplier = services.create_supplier(form.supplier_data(), current_user)
        except SupplierInvalid as error:
            apply_domain_error(form, error)
        else:
            flash(_("Supplier %(code)s created.", code=supplier.code), "success")
            return redirect(url_for(".detail", code=supplier.code))
    return render_form("suppliers/form.html", form, supplier=None)


@bp.route("/<code>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(code: str):
    supplier = services.get_supplier(code)
    form = SupplierForm(obj=supplier)
    form.code.data = supplier.code
    form.location.choices = _location_choices(supplier)
    if not form.is_submitted():
        form.countries.data = ", ".join(services.country_codes(supplier))
        form.location.data = supplier.location.code if supplier.location else ""
    if form.validate_on_submit():
        try:
            services.update_supplier(supplier, form.supplier_data(), current_user)
        except SupplierInvalid as error:
            apply_domain_error(form, error)
        else:
            flash(_("Supplier %(code)s saved.", code=supplier.code), "success")
            return redirect(url_for(".detail", code=supplier.code))
    return render_form("suppliers/form.html", form, supplier=supplier)


@bp.post("/<code>/deactivate")
@roles_required(*EDITORS)
def deactivate(code: str):
    supplier = services.deactivate_supplier(services.get_supplier(code), current_user)
    flash(_("Supplier %(code)s deactivated: sourcing no longer uses it.", code=supplier.code),
          "success")
    return redirect(url_for(".detail", code=supplier.code))


@bp.post("/<code>/reactivate")
@roles_required(*EDITORS)
def reactivate(code: str):
    supplier = services.reactivate_supplier(services.get_supplier(code), current_user)
    flash(_("Supplier %(code)s is active again.", code=supplier.code), "success")
    return redirect(url_for(".detail", code=supplier.code))
