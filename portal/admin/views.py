"""Administration: users, API keys and the audit log."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import JOIN

from portal.audit.models import AuditEvent
from portal.auth import services as auth
from portal.auth.errors import UserInvalid
from portal.auth.forms import ApiKeyForm, UserForm
from portal.auth.login import roles_required
from portal.auth.models import ApiKey, User
from portal.auth.roles import ROLE_LABELS, ApiScope, Role
from portal.errors import NotFound
from portal.forms import apply_domain_error, choices, render_form
from portal.htmx import wants_fragment
from portal.locations.models import Location
from portal.locations.services import stores
from portal.pagination import paginate

bp = Blueprint("admin", __name__, url_prefix="/admin")

NEW_KEY_SESSION = "new_api_key"  # {"name", "key"} of a just-created key, shown once


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
        except UserInvalid as error:
            apply_domain_error(form, error)
        else:
            flash(_("User %(email)s saved.", email=user.email), "success")
            return redirect(url_for(".users"))
    return render_form("admin/user_form.html", form, user=user)


@bp.route("/api-keys", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def api_keys():
    """Post/Redirect/Get: a created key is kept in the session for exactly one GET, so a
    reload shows the list instead of posting the form (and creating a key) again."""
    form = ApiKeyForm()
    chosen = request.form.getlist("scopes")
    if form.validate_on_submit():
        try:
            key, plain = auth.create_api_key(form.name.data, chosen, current_user)
        except UserInvalid as error:
            apply_domain_error(form, error)
        else:
            session[NEW_KEY_SESSION] = {"name": key.name, "key": plain}
            return redirect(url_for(".api_keys"))
    new_key = session.pop(NEW_KEY_SESSION, None) if request.method == "GET" else None
    keys = ApiKey.select().order_by(ApiKey.revoked_at.is_null(False), ApiKey.created_at.desc())
    status = 400 if request.method == "POST" else 200
    return render_template("admin/api_keys.html", form=form, keys=keys, new_key=new_key,
                           scopes=list(ApiScope), chosen=chosen), status


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

