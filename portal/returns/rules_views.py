"""The restock rules editor (managers and admins, routes on the ``returns`` blueprint):
the rules in order, add / edit / delete (asked first), switch on and off, move up and
down or drag, and "try it" (what would happen to one returned item; writes nothing).
Without JavaScript every POST redirects back with a flash message; with htmx it answers
the rules panel (``returns/_rules.html``)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.login import roles_required
from portal.auth.roles import Role
from portal.htmx import wants_fragment
from portal.inventory.models import Product
from portal.locations.models import Location
from portal.returns import rules as service
from portal.returns.blueprint import bp
from portal.returns.labels import restock_rule_name
from portal.returns.rules import RestockRuleInvalid
from portal.returns.rules_forms import RestockRuleForm, TryForm
from portal.returns.status import CONDITION_LABELS, DISPOSITION_LABELS

EDITORS = (Role.MANAGER, Role.ADMIN)


def _receiving_places() -> list[Location]:
    return list(Location.select().where(Location.active == True,  # noqa: E712
                                        Location.accepts_returns == True)  # noqa: E712
                .order_by(Location.kind, Location.code))


def _try_form() -> TryForm:
    form = TryForm(request.args)
    form.location.choices = [(p.code, f"{p.code} · {p.name}") for p in _receiving_places()]
    return form


def _trial(form: TryForm):
    """The answer of the "try it" form: (trial, message); both None when not asked."""
    if not request.args.get("sku"):
        return None, None
    sku = (form.sku.data or "").strip()[:64]
    product = (Product.get_or_none(Product.sku == sku)
               or Product.get_or_none(Product.sku == sku.upper()))
    here = Location.get_or_none(Location.code == (form.location.data or ""))
    if product is None:
        return None, _("No article with the SKU %(sku)s.", sku=sku)
    if here is None or form.condition.data not in CONDITION_LABELS:
        return None, _("Choose a condition and the location that receives the item.")
    return service.explain(product, form.condition.data, here), None


def _context(**extra) -> dict:
    return {"rules": service.rules_in_order(), "describe": service.describe,
            "condition_labels": CONDITION_LABELS, "action_labels": DISPOSITION_LABELS,
            **extra}


def _back(message: str | None = None, category: str = "success", focus=None):
    """After a change: the rules panel for htmx (the message inside), else the page."""
    if wants_fragment():
        return render_template("returns/_rules.html", **_context(notice=message,
                                                                  notice_kind=category,
                                                                  focus=focus))
    if message:
        flash(message, category)
    anchor = f"restock-rule-{focus[0]}" if focus else None
    return redirect(url_for(".rules", _anchor=anchor), 303)


@bp.get("/rules")
@roles_required(*EDITORS)
def rules():
    form = _try_form()
    trial, problem = _trial(form)
    return render_template("returns/rules.html", **_context(try_form=form, trial=trial,
                                                            try_problem=problem))


@bp.get("/rules/try")
@roles_required(*EDITORS)
def rules_try():
    """The "try it" answer: the fragment for htmx, else the whole page."""
    form = _try_form()
    trial, problem = _trial(form)
    context = {"try_form": form, "trial": trial, "try_problem": problem,
               "describe": service.describe, "condition_labels": CONDITION_LABELS,
               "action_labels": DISPOSITION_LABELS}
    if wants_fragment():
        return render_template("returns/_rules_try.html", **context)
    return render_template("returns/rules.html", **_context(**context))


def _rule_form(rule=None):
    categories = service.known_categories()
    form = RestockRuleForm(data=RestockRuleForm.initial(rule, categories),
                           categories=categories)
    if form.validate_on_submit():
        try:
            saved = (service.update_rule(rule.id, form.rule_data(), current_user) if rule
                     else service.create_rule(form.rule_data(), current_user))
        except RestockRuleInvalid as error:
            form.apply_error(error)
        else:
            flash(_("Rule “%(name)s” saved.", name=saved.name), "success")
            return redirect(url_for(".rules", _anchor=f"restock-rule-{saved.id}"), 303)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("returns/rule_form.html", form=form, rule=rule), status


@bp.route("/rules/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def rules_new():
    return _rule_form()


@bp.route("/rules/<int:rule_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def rules_edit(rule_id: int):
    return _rule_form(service.get_rule(rule_id))


@bp.route("/rules/<int:rule_id>/delete", methods=["GET", "POST"])
@roles_required(*EDITORS)
def rules_delete(rule_id: int):
    """GET asks (works without JavaScript); POST deletes."""
    rule = service.get_rule(rule_id)
    if request.method == "GET":
        return render_template("returns/rule_delete.html", rule=rule,
                               sentence=service.describe(rule))
    service.delete_rule(rule_id, current_user)
    return _back(_("Rule “%(name)s” deleted.", name=restock_rule_name(rule.name)))


@bp.post("/rules/<int:rule_id>/active")
@roles_required(*EDITORS)
def rules_active(rule_id: int):
    on = request.form.get("active") == "1"
    rule = service.set_active(rule_id, on, current_user)
    message = (_("Rule “%(name)s” is switched on.", name=restock_rule_name(rule.name)) if on
               else _("Rule “%(name)s” is switched off.", name=restock_rule_name(rule.name)))
    return _back(message, focus=(rule.id, "active"))


@bp.post("/rules/<int:rule_id>/move")
@roles_required(*EDITORS)
def rules_move(rule_id: int):
    up = request.form.get("direction") == "up"
    try:
        rule = service.move_rule(rule_id, -1 if up else 1, current_user)
    except RestockRuleInvalid as error:
        return _back(error.message, "error")
    last = len(service.rules_in_order())
    # Keep the keyboard on the moved rule: its other arrow when this one is now disabled.
    direction = "up" if up else "down"
    if (direction, rule.position) in (("up", 1), ("down", last)):
        direction = "down" if up else "up"
    return _back(None, focus=(rule.id, direction))


@bp.post("/rules/reorder")
@roles_required(*EDITORS)
def rules_reorder():
    """Drag and drop: the rule ids in their new order."""
    try:
        order = [int(value) for value in request.form.getlist("order")]
    except ValueError:
        order = []
    try:
        service.reorder_rules(order, current_user)
    except RestockRuleInvalid as error:
        return _back(error.message, "error")
    return _back(None)
