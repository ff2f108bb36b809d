"""Administration: users, API keys and the audit log (its events and the stock changes
people made)."""

from __future__ import annotations

import secrets

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from peewee import JOIN

from portal.audit import stock_changes
from portal.audit.models import AuditEvent
from portal.auth import services as auth
from portal.auth.errors import ApiKeyAlreadyCreated, UserInvalid
from portal.auth.forms import ApiKeyForm, UserForm
from portal.auth.login import roles_required
from portal.auth.models import ApiKey, User
from portal.auth.roles import ROLE_LABELS, ApiScope, Role
from portal.errors import NotFound
from portal.forms import apply_domain_error, choices, render_form
from portal.htmx import wants_fragment
from portal.inventory.ledger_queries import LedgerFilter
from portal.locations.models import Location
from portal.locations.services import stores
from portal.pagination import paginate

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _user_form(user: User | None = None) -> UserForm:
    form = UserForm(obj=user)
    form.role.choices = choices((role.value, label) for role, label in ROLE_LABELS.items())
    form.home_store.choices = choices([("", "—")] + [(s.id, s.name) for s in stores()])
    if user is not None and request.method == "GET":
        form.home_store.data = str(user.home_store_id or "")
    return form


def _chosen_store(form: UserForm) -> Location | None:
    value = form.home_store.data or ""
    return Location.get_or_none(Location.id == int(value)) if value.isdigit() else None


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    query = request.args.get("q", "").strip()
    select = User.select(User, Location).join(Location, JOIN.LEFT_OUTER,
                                              on=(User.home_store == Location.id))
    if query:
        select = select.where(User.email.contains(query.lower()) | User.name.contains(query))
    if role := request.args.get("role"):
        select = select.where(User.role == role)
    page = paginate(select.order_by(User.role, User.email), per_page=30)
    template = "admin/_user_rows.html" if wants_fragment() else "admin/users.html"
    return render_template(template, page=page, q=query, role=request.args.get("role", ""))


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_new():
    form = _user_form()
    if form.validate_on_submit():
        try:
            user = auth.create_user(email=form.email.data, name=form.name.data,
                                    password=form.password.data or "", role=form.role.data,
                                    home_store=_chosen_store(form), language=form.language.data,
                                    actor=current_user)
        except UserInvalid as error:
            apply_domain_error(form, error)
        else:
            flash(_("User %(email)s created.", email=user.email), "success")
            return redirect(url_for(".users"))
    return render_form("admin/user_form.html", form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_edit(user_id: int):
    user = auth.get_user(user_id)
    form = _user_form(user)
    if form.validate_on_submit():
        try:
            auth.update_user(user, name=form.name.data, role=form.role.data,
                             home_store=_chosen_store(form), language=form.language.data,
                             active=form.active.data, actor=current_user)
            if form.password.data:
                auth.set_password(user, form.password.data, current_user)
                if user.id == current_user.id:
                    login_user(user)  # the new password ended every session, this one too
        except UserInvalid as error:
            apply_domain_error(form, error)
        else:
            flash(_("User %(email)s saved.", email=user.email), "success")
            return redirect(url_for(".users"))
    return render_form("admin/user_form.html", form, user=user)


@bp.route("/api-keys", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def api_keys():
    """List keys and create one. A created key's secret is in this one response only
    (never in the session cookie, never cached); the form's one-time ``request_id``
    makes a reload that sends the form again show a notice instead of a second key."""
    form = ApiKeyForm()
    chosen = request.form.getlist("scopes")
    new_key = already_created = None
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            key, plain = auth.create_api_key(form.name.data, chosen, current_user,
                                             request_id=form.request_id.data)
        except ApiKeyAlreadyCreated as error:
            already_created, status = error.message, 409
        except UserInvalid as error:
            apply_domain_error(form, error)
        else:
            new_key, status = {"name": key.name, "key": plain}, 200
    elif form.request_id.errors:
        form.form_errors.append(_("The form expired or was sent from elsewhere. Reload the "
                                  "page and try again."))
    if new_key or already_created:
        form, chosen = ApiKeyForm(formdata=None), []  # empty, ready for the next key
    form.request_id.data = secrets.token_urlsafe(24)
    keys = ApiKey.select().order_by(ApiKey.revoked_at.is_null(False), ApiKey.created_at.desc())
    response = make_response(render_template(
        "admin/api_keys.html", form=form, keys=keys, new_key=new_key,
        already_created=already_created, scopes=list(ApiScope), chosen=chosen), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/api-keys/<int:key_id>/revoke")
@roles_required(Role.ADMIN)
def api_key_revoke(key_id: int):
    key = ApiKey.get_or_none(ApiKey.id == key_id)
    if key is None:
        raise NotFound(_("No such API key."))
    auth.revoke_api_key(key, current_user)
    flash(_("API key %(name)s revoked.", name=key.name), "success")
    return redirect(url_for(".api_keys"))


@bp.get("/audit")
@roles_required(Role.MANAGER, Role.ADMIN)
def audit_log():
    select = AuditEvent.select().order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action := request.args.get("action", "").strip():
        select = select.where(AuditEvent.action.startswith(action))
    if actor := request.args.get("actor", "").strip():
        select = select.where(AuditEvent.actor.contains(actor))
    page = paginate(select, per_page=50)
    template = "admin/_audit_rows.html" if wants_fragment() else "admin/audit.html"
    return render_template(template, page=page, action=action, actor=actor)


@bp.get("/audit/stock")
@roles_required(Role.MANAGER, Role.ADMIN)
def audit_stock():
    """Who changed stock by hand: the ledger's receipts, adjustments, counts, safety stock
    and imports that carry a user, filtered like the ledger, each linked to it."""
    flt = LedgerFilter.from_args(request.args)
    page = paginate(stock_changes.stock_changes(flt, current_user),
                    per_page=stock_changes.PER_PAGE)
    template = "admin/_audit_stock_rows.html" if wants_fragment() else "admin/audit_stock.html"
    return render_template(template, page=page, flt=flt,
                           kinds=stock_changes.people_kind_labels(),
                           ledger_args=stock_changes.ledger_args)
