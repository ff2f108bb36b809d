"""The managers' sourcing rule editor: versions, a draft's rules, checks, simulation,
publishing and rolling back. Thin: the services write, ``simulation`` reads."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.login import roles_required
from portal.auth.roles import Role
from portal.htmx import wants_fragment
from portal.inventory.search import categories
from portal.sourcing import labels, services, simulation
from portal.sourcing.checks import check_rules
from portal.sourcing.forms import RuleForm
from portal.sourcing.models import RuleSet
from portal.sourcing.rules import RuleInvalid, rule_from_dict
from portal.sourcing.services import RuleSetError
from portal.sourcing.status import RuleSetStatus

bp = Blueprint("sourcing", __name__, url_prefix="/sourcing")
# The trace include and the order page use these on any screen.
bp.add_app_template_global(labels.reason_text, "sourcing_reason")
bp.add_app_template_global(labels.outcome_text, "sourcing_outcome")
bp.add_app_template_global(labels.kind_text, "sourcing_kind")
bp.add_app_template_global(labels.kilometres, "sourcing_km")
bp.add_app_template_global(labels.RULESET_STATUS_LABELS, "ruleset_status_labels")
bp.add_app_template_global(labels.rule_label, "rule_label")
bp.add_app_template_global(labels.ruleset_note, "ruleset_note")

EDITORS = (Role.MANAGER, Role.ADMIN)


def _rules_context(ruleset: RuleSet | None) -> dict:
    """The rules of a version (None: the built-in defaults), their summaries and checks."""
    rules = (services.rules_of(ruleset) if ruleset is not None
             else [rule_from_dict(r) for r in services.DEFAULT_RULES])
    problems = check_rules(rules)
    return {"ruleset": ruleset, "rules": rules, "problems": problems,
            "blocking": [p for p in problems if p.blocking],
            "editable": ruleset is not None and ruleset.status == RuleSetStatus.DRAFT,
            "describe": labels}


def _locked(ruleset: RuleSet, error: RuleSetError):
    """A version that is not a draft: say so and offer a new draft made from it."""
    context = {"ruleset": ruleset, "message": error.message}
    if wants_fragment():
        return (render_template("sourcing/_locked.html", **context), error.status,
                {"HX-Retarget": "#main", "HX-Reswap": "innerHTML"})
    return render_template("sourcing/locked.html", **context), error.status


def _back_to_rules(ruleset: RuleSet, anchor: str | None = None):
    """After a change: the rules panel for htmx, else the version page (303)."""
    if wants_fragment():
        return render_template("sourcing/_rules.html", **_rules_context(ruleset))
    return redirect(url_for(".detail", version=ruleset.version, _anchor=anchor), 303)


@bp.get("/")
@roles_required(*EDITORS)
def index():
    versions = list(RuleSet.select().order_by(RuleSet.version.desc()))
    published = next((v for v in versions if v.status == RuleSetStatus.PUBLISHED), None)
    return render_template("sourcing/index.html", versions=versions, published=published,
                           defaults_count=len(services.DEFAULT_RULES))


@bp.get("/defaults")
@roles_required(*EDITORS)
def defaults():
    return render_template("sourcing/detail.html", **_rules_context(None))


@bp.post("/drafts")
@roles_required(*EDITORS)
def new_draft():
    copy_of = request.form.get("copy_of", type=int)
    draft = services.new_draft(current_user, copy_of=copy_of,
                               note=request.form.get("note", "").strip())
    if copy_of is None:
        flash(_("Draft version %(v)s holds a copy of the rules in use.", v=draft.version),
              "success")
    else:
        flash(_("Draft version %(v)s holds a copy of version %(old)s.", v=draft.version,
                old=copy_of), "success")
    return redirect(url_for(".detail", version=draft.version), 303)


@bp.get("/<int:version>")
@roles_required(*EDITORS)
def detail(version: int):
    ruleset = services.get_ruleset(version)
    return render_template("sourcing/detail.html", **_rules_context(ruleset),
                           n=simulation.DEFAULT_ORDERS)


def _rule_form(ruleset: RuleSet, position: int | None):
    """Create (``position`` None) or edit one rule of a draft."""
    if ruleset.status != RuleSetStatus.DRAFT and request.method == "GET":
        return _locked(ruleset, RuleSetError(_("Only a draft can be changed; start a new "
                                               "draft.")))
    rules = services.rules_of(ruleset)
    if position is not None and not 0 <= position < len(rules):
        return render_template("errors/error.html", status=404,
                               message=_("No such rule.")), 404
    rule = rules[position] if position is not None else None
    form = RuleForm(data=RuleForm.initial(rule), categories=categories())
    if form.validate_on_submit():
        try:
            saved = services.save_rule(ruleset, position, form.rule_data(), current_user)
        except RuleInvalid as error:
            form.apply_error(error)
        except RuleSetError as error:
            return _locked(ruleset, error)
        else:
            flash(_("Rule “%(name)s” saved.", name=saved.name), "success")
            target = position if position is not None else len(rules)
            return redirect(url_for(".detail", version=ruleset.version,
                                    _anchor=f"rule-{target}"), 303)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("sourcing/rule_form.html", form=form, ruleset=ruleset,
                           position=position, rule=rule), status


@bp.route("/<int:version>/rules/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def create_rule(version: int):
    return _rule_form(services.get_ruleset(version), None)


@bp.route("/<int:version>/rules/<int:position>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_rule(version: int, position: int):
    return _rule_form(services.get_ruleset(version), position)


@bp.post("/<int:version>/rules/<int:position>/delete")
@roles_required(*EDITORS)
def delete_rule(version: int, position: int):
    ruleset = services.get_ruleset(version)
    try:
        services.delete_rule(ruleset, position, current_user)
    except RuleSetError as error:
        return _locked(ruleset, error)
    if not wants_fragment():
        flash(_("Rule deleted."), "success")
    return _back_to_rules(ruleset)


@bp.post("/<int:version>/rules/<int:position>/move")
@roles_required(*EDITORS)
def move_rule(version: int, position: int):
    ruleset = services.get_ruleset(version)
    step = -1 if request.form.get("direction") == "up" else 1
    try:
        services.move_rule(ruleset, position, step, current_user)
    except RuleSetError as error:
        if ruleset.status != RuleSetStatus.DRAFT:
            return _locked(ruleset, error)
        raise
    target = position + step
    if wants_fragment():  # keep the keyboard on the moved rule's button (if still usable)
        context = _rules_context(ruleset)
        last = len(context["rules"]) - 1
        direction = "up" if step < 0 else "down"
        if (direction, target) in (("up", 0), ("down", last)):
            direction = "down" if direction == "up" else "up"
        return render_template("sourcing/_rules.html", **context, focus=(target, direction))
    return _back_to_rules(ruleset, anchor=f"rule-{target}")


@bp.post("/<int:version>/reorder")
@roles_required(*EDITORS)
def reorder(version: int):
    ruleset = services.get_ruleset(version)
    try:
        order = [int(value) for value in request.form.getlist("order")]
    except ValueError:
        order = []
    try:
        services.reorder_rules(ruleset, order, current_user)
    except RuleSetError as error:
        if ruleset.status != RuleSetStatus.DRAFT:
            return _locked(ruleset, error)
        raise
    return _back_to_rules(ruleset)


@bp.route("/<int:version>/publish", methods=["GET", "POST"])
@roles_required(*EDITORS)
def publish(version: int):
    """GET asks for confirmation (works without JavaScript); POST publishes."""
    ruleset = services.get_ruleset(version)
    error, status = None, 200
    if request.method == "POST":
        try:
            services.publish(ruleset, current_user)
        except RuleSetError as refused:
            error, status = refused.message, refused.status
        else:
            flash(_("Version %(v)s is published: new orders follow its rules.", v=version),
                  "success")
            return redirect(url_for(".index"), 303)
    published = RuleSet.get_or_none(RuleSet.status == RuleSetStatus.PUBLISHED)
    return render_template("sourcing/publish.html", **_rules_context(ruleset),
                           published=published, error=error), status


@bp.get("/<int:version>/simulate")
@roles_required(*EDITORS)
def simulate(version: int):
    ruleset = services.get_ruleset(version)
    n = simulation.clamp_orders(request.args.get("n", simulation.DEFAULT_ORDERS))
    context = {"ruleset": ruleset, "n": n, "result": simulation.simulate(ruleset, n),
               "describe": labels}
    if wants_fragment():
        return render_template("sourcing/_simulation.html", **context)
    return render_template("sourcing/simulate.html", **context)
