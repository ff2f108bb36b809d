"""Photos of a return's lines: served to whoever may see the return (another store's
staff get a 404, as for the return itself), and added later to a received return by
staff where it is, managers and admins (a refused file is the line's error)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from portal.returns import photo_store, queries
from portal.returns.blueprint import bp
from portal.returns.photos import read_uploads
from portal.returns.services import ReturnInvalid
from portal.returns.status import ReturnStatus
from portal.returns.views import _detail, _visible

bp.add_app_template_global(photo_store.photos_by_line, "return_photos")

CACHE_SECONDS = 86400  # a stored photo never changes


@bp.get("/<number>/photos/<int:photo_id>.jpg")
@login_required
def photo(number: str, photo_id: int):
    rma = _visible(number)
    found = photo_store.find_photo(rma, photo_id)
    path = photo_store.photo_file(found) if found else None
    if path is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", conditional=True, etag=True,
                         download_name=f"{rma.number}-{found.id}.jpg")
    response.headers["Cache-Control"] = f"private, max-age={CACHE_SECONDS}"
    response.headers.pop("Expires", None)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = f'inline; filename="{rma.number}-{found.id}.jpg"'
    return response


@bp.post("/<number>/lines/<int:line_id>/photos")
@login_required
def add_photos(number: str, line_id: int):
    """More photos of a received line (at most ``photos.PER_LINE`` in all)."""
    rma = _visible(number)
    if not queries.can_handle(current_user, rma) or rma.status != ReturnStatus.RECEIVED:
        abort(403)
    uploads = read_uploads(request.files.getlist("photos"))
    try:
        saved = photo_store.add_photos(rma, line_id, uploads, current_user)
    except ReturnInvalid as error:
        errors = {f"photos-{line_id}": text for text in error.fields.values()}
        flash(_("Please correct the marked fields.") if errors else error.message, "error")
        return _detail(rma, errors, status=422)
    flash(ngettext("%(num)s photo added.", "%(num)s photos added.", len(saved)), "success")
    return redirect(url_for(".detail", number=rma.number, _anchor=f"line-{line_id}"))
