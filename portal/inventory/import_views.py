"""CSV import and export of products, locations and stock levels (managers, admins).

Managers export everything and import products and stock levels; locations are
imported by admins only, as only admins may create or edit a location in its form.

Upload → preview → apply. The uploaded file waits in the instance folder under a
random token (only the token travels in the form); apply reads and checks it again,
since the database may have changed, and writes it in one transaction. Kept files
go after apply, on "discard", or after 24 hours (purged on every upload).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired

from portal.auth.login import roles_required
from portal.auth.roles import Role
from portal.csvfiles import (
    UploadGone,
    csv_response,
    discard_upload,
    load_upload,
    purge_uploads,
    store_upload,
)
from portal.forms import FlaskForm, choices
from portal.inventory import imports
from portal.inventory.errors import StockError
from portal.inventory.imports import ImportKind, ImportPreview, ImportRejected
from portal.locations.models import Location

bp = Blueprint("imports", __name__, url_prefix="/data")

MANAGERS = (Role.MANAGER, Role.ADMIN)
# Who may import each kind: the same roles that may change those records by hand.
IMPORT_ROLES = {
    ImportKind.PRODUCTS: MANAGERS,
    ImportKind.LOCATIONS: (Role.ADMIN,),
    ImportKind.STOCK: MANAGERS,
}
UPLOAD_MAX_AGE_SECONDS = 24 * 60 * 60
ERRORS_SHOWN = 1_000  # the page lists this many; the error report has them all
KIND_LABELS = {
    ImportKind.PRODUCTS: _l("Products"),
    ImportKind.LOCATIONS: _l("Locations"),
    ImportKind.STOCK: _l("Stock levels"),
}
KIND_KEYS = {
    ImportKind.PRODUCTS: _l("Rows are matched by SKU: a known SKU is updated, a new one "
                            "created."),
    ImportKind.LOCATIONS: _l("Rows are matched by code: a known code is updated, a new one "
                             "created."),
    ImportKind.STOCK: _l("Rows are matched by SKU and location. Each changed row is booked "
                         "in the stock ledger; on hand cannot drop below reserved units."),
}


class UploadForm(FlaskForm):
    """A CSV file of one kind, to be checked and previewed."""

    kind = SelectField(_l("Data"), choices=choices(KIND_LABELS.items()),
                       validators=[DataRequired()])
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])


class ApplyForm(FlaskForm):
    """Apply (or discard) the upload kept under ``token``."""

    token = HiddenField(validators=[DataRequired()])


def may_import(kind: str) -> bool:
    """True when the current user may import (upload, preview, apply) this kind."""
    roles = IMPORT_ROLES.get(kind)
    return roles is not None and current_user.has_role(*roles)


def _require_import(kind: str) -> None:
    """403 unless the current user may import ``kind`` (an unknown kind is left to the
    form's own check)."""
    if kind in set(ImportKind) and not may_import(kind):
        abort(403)


def _upload_folder() -> Path:
    configured = current_app.config.get("IMPORT_FOLDER")
    return Path(configured) if configured else Path(current_app.instance_path) / "imports"


def _display_name(filename: str | None) -> str:
    """The uploaded file's own name, without any path or control characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return re.sub(r"[\x00-\x1f\x7f]", "", name)[:120] or "upload.csv"


def _index_page(form: UploadForm | None = None, status: int = 200, message: str = ""):
    limit_mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
    return render_template(
        "inventory/imports.html", form=form or UploadForm(formdata=None), kinds=KIND_LABELS,
        key_hints=KIND_KEYS, columns=imports.COLUMNS, required=imports.REQUIRED,
        export_columns=imports.EXPORT_COLUMNS, limit_mb=limit_mb, max_rows=imports.MAX_ROWS,
        importable={kind for kind in ImportKind if may_import(kind)},
        locations=Location.select(Location.code, Location.name).order_by(Location.code),
        message=message), status


def _preview_page(preview: ImportPreview, token: str, status: int | None = None,
                  message: str = ""):
    if status is None:
        status = 200 if preview.can_apply or not preview.errors else 422
    return render_template("inventory/import_preview.html", preview=preview, token=token,
                           form=ApplyForm(formdata=None, token=token), kinds=KIND_LABELS,
                           errors_shown=ERRORS_SHOWN, message=message), status


def _kept_upload(token: str) -> tuple[bytes, dict]:
    """The upload kept under ``token`` for this user; UploadGone otherwise."""
    data, meta = load_upload(_upload_folder(), token, UPLOAD_MAX_AGE_SECONDS)
    if meta.get("user_id") != current_user.id:
        raise UploadGone(token)  # someone else's upload is as good as none
    return data, meta


def _gone():
    return _index_page(status=410, message=_(
        "This upload is no longer available: it was applied or discarded already, or it "
        "expired after 24 hours. Please upload the file again."))


@bp.get("/")
@roles_required(*MANAGERS)
def index():
    """The three kinds of data, each with its export links and an upload form."""
    return _index_page()


@bp.post("/upload")
@roles_required(*MANAGERS)
def upload():
    """Check an uploaded file completely and show what applying it would change."""
    form = UploadForm()
    _require_import(form.kind.data)
    if not form.validate_on_submit():
        return _index_page(form, 400)
    data, filename = form.file.data.read(), _display_name(form.file.data.filename)
    folder = _upload_folder()
    purge_uploads(folder, UPLOAD_MAX_AGE_SECONDS)
    preview = imports.preview_import(form.kind.data, data, filename)
    token = store_upload(folder, data, {"kind": preview.kind.value, "filename": filename,
                                        "user_id": current_user.id})
    return _preview_page(preview, token)


@bp.post("/apply")
@roles_required(*MANAGERS)
def apply():
    """Check the kept file again and apply all of it in one transaction, or nothing."""
    form = ApplyForm()
    if not form.validate_on_submit():
        return _gone()
    token = form.token.data
    try:
        data, meta = _kept_upload(token)
    except UploadGone:
        return _gone()
    _require_import(meta["kind"])  # the role may have changed since the upload
    try:
        result = imports.apply_import(meta["kind"], data, meta["filename"], current_user,
                                      reference=f"import {token[:10]}")
    except ImportRejected as rejected:
        return _preview_page(rejected.preview, token, 422, _(
            "The data changed since the preview and the file no longer fits; nothing was "
            "changed. See the errors below."))
    except StockError as error:
        return _preview_page(imports.preview_import(meta["kind"], data, meta["filename"]),
                             token, 409, error.message)
    discard_upload(_upload_folder(), token)
    return render_template("inventory/import_result.html", preview=result,
                           kinds=KIND_LABELS)


@bp.post("/discard")
@roles_required(*MANAGERS)
def discard():
    """Throw a kept upload away without applying it."""
    form = ApplyForm()
    if form.validate_on_submit():
        try:
            _kept_upload(form.token.data)
        except UploadGone:
            pass
        else:
            discard_upload(_upload_folder(), form.token.data)
    flash(_("The upload was discarded; nothing was changed."), "info")
    return redirect(url_for(".index"))


@bp.get("/uploads/<token>/errors.csv")
@roles_required(*MANAGERS)
def error_report(token: str):
    """Every error of a kept upload as a CSV file (line, column, message)."""
    try:
        data, meta = _kept_upload(token)
    except UploadGone:
        abort(404)
    _require_import(meta["kind"])
    preview = imports.preview_import(meta["kind"], data, meta["filename"])
    return csv_response(f"errors-{meta['kind']}.csv", ["line", "column", "message"],
                        preview.errors)


@bp.get("/export/<kind>.csv")
@roles_required(*MANAGERS)
def export(kind: str):
    """Stream products, locations or stock levels (``?location=CODE``) as CSV."""
    if kind not in set(ImportKind):
        abort(404)
    location = None
    if code := request.args.get("location", "").strip().upper():
        location = Location.get_or_none(Location.code == code)
        if location is None or kind != ImportKind.STOCK:
            abort(404)
    suffix = f"-{location.code}" if location else ""
    return csv_response(f"{kind}{suffix}-{date.today().isoformat()}.csv",
                        list(imports.EXPORT_COLUMNS[kind]), imports.export_rows(kind, location))
