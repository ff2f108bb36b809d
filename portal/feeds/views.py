"""Feed screens under a supplier (``/suppliers/<code>/feeds/...``): add and edit a feed,
its newest run's report, and *Import now*. The supplier page shows the feeds through the
template global ``supplier_feeds`` (``feeds/_supplier_feeds.html``), so the suppliers
package does not import this one."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.login import roles_required
from portal.auth.roles import Role
from portal.feeds import services
from portal.feeds.fetch import drop_dir
from portal.feeds.forms import FeedForm
from portal.feeds.importer import import_feed
from portal.forms import apply_domain_error, render_form
from portal.suppliers.services import get_supplier

bp = Blueprint("feeds", __name__, url_prefix="/suppliers/<code>/feeds")
bp.add_app_template_global(services.supplier_feeds, "supplier_feeds")

READERS = (Role.LOGISTICS, Role.MANAGER, Role.ADMIN)
EDITORS = (Role.MANAGER, Role.ADMIN)


def _location_choices(supplier, feed=None) -> list[tuple[str, str]]:
    return [(loc.code, f"{loc.name} ({loc.code})")
            for loc in services.feed_locations(supplier, feed)]


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def create(code: str):
    supplier = get_supplier(code)
    form = FeedForm()
    form.location.choices = _location_choices(supplier)
    if not form.is_submitted():
        form.name.data = _("%(supplier)s stock", supplier=supplier.name)[:80]
    return _save(form, supplier, None,
                 lambda data: services.create_feed(supplier, data, current_user))


@bp.route("/<int:feed_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(code: str, feed_id: int):
    supplier = get_supplier(code)
    feed = services.get_feed(supplier, feed_id)
    form = FeedForm(data=FeedForm.initial(feed))  # a POST's values take precedence
    form.location.choices = _location_choices(supplier, feed)
    return _save(form, supplier, feed,
                 lambda data: services.update_feed(feed, data, current_user))


def _save(form: FeedForm, supplier, feed, save):
    """The form's POST through ``save(data)`` (back to the supplier page when it took), or
    the form again with its errors."""
    if form.validate_on_submit():
        try:
            save(form.feed_data())
        except services.FeedInvalid as error:
            apply_domain_error(form, error)
        else:
            flash(_("Feed saved."), "success")
            return redirect(url_for("suppliers.detail", code=supplier.code, _anchor="feeds"))
    return render_form("feeds/form.html", form, supplier=supplier, feed=feed,
                       drop_dir=drop_dir())


@bp.get("/<int:feed_id>/report")
@roles_required(*READERS)
def report(code: str, feed_id: int):
    supplier = get_supplier(code)
    feed = services.get_feed(supplier, feed_id)
    return render_template("feeds/report.html", supplier=supplier, feed=feed,
                           report=feed.report)


@bp.post("/<int:feed_id>/import")
@roles_required(*EDITORS)
def run_now(code: str, feed_id: int):
    """Import the feed now, in this request (meant for trying a feed out; the scheduler
    runs big ones)."""
    supplier = get_supplier(code)
    result = import_feed(services.get_feed(supplier, feed_id))
    if result.status == "failed":
        flash(_("The import failed: %(message)s", message=result.message), "error")
    elif result.status == "unchanged":
        flash(_("Same file as last time; nothing changed."), "info")
    else:
        flash(_("Imported %(rows)s rows: %(changed)s stock levels changed.",
                rows=result.rows, changed=result.changed), "success")
    return redirect(url_for("suppliers.detail", code=supplier.code, _anchor="feeds"))
