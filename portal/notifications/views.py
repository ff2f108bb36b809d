"""The outbox screen for admins: customer e-mails by status; failed ones can be retried."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.login import roles_required
from portal.auth.roles import Role
from portal.htmx import wants_fragment
from portal.notifications import queries
from portal.notifications.labels import STATUS_LABELS
from portal.notifications.messages import KINDS
from portal.notifications.services import retry_message
from portal.notifications.status import MessageStatus
from portal.pagination import paginate

bp = Blueprint("outbox", __name__, url_prefix="/admin/outbox")


@bp.get("/")
@roles_required(Role.ADMIN)
def index():
    status = request.args.get("status", "")
    status = status if status in set(MessageStatus) else ""
    context = {"page": paginate(queries.outbox_messages(status), per_page=50),
               "status": status, "counts": queries.status_counts(), "kinds": KINDS,
               "outbox_labels": STATUS_LABELS}
    if wants_fragment():
        return render_template("notifications/_outbox_rows.html", **context)
    return render_template("notifications/outbox.html", **context)


@bp.post("/<int:message_id>/retry")
@roles_required(Role.ADMIN)
def retry(message_id: int):
    if retry_message(message_id, current_user):
        flash(_("The e-mail is queued again and goes out with the next delivery run."),
              "success")
    else:
        flash(_("Only a failed e-mail can be sent again."), "error")
    status = request.form.get("status", "")
    return redirect(url_for(".index", status=status if status in set(MessageStatus) else None))
