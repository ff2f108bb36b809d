"""Storing and reading photos of return lines.

A photo is a ``ReturnPhoto`` row plus a 0600 file in ``UPLOAD_DIR`` under a random name
(``<32 hex digits>.jpg``; the uploader's file name is never used). Files are written
inside the caller's transaction, within ``staged_files()``: when the transaction fails,
the files it wrote are removed again, so no file exists without its row. ``add_photos``
is the service adding photos to a received return.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.audit.services import actor_label
from portal.db import is_sqlite, transaction
from portal.inventory.models import Product
from portal.orders.models import OrderLine
from portal.returns import photos as checks
from portal.returns.models import ReturnLine, ReturnOrder, ReturnPhoto
from portal.returns.services import ReturnInvalid, add_event
from portal.returns.status import ReturnStatus

STORED_NAME = re.compile(r"[0-9a-f]{32}\.jpg")
_written: ContextVar[list[Path] | None] = ContextVar("return_photo_files", default=None)


def upload_dir() -> Path:
    configured = current_app.config.get("UPLOAD_DIR")
    return Path(configured) if configured else (
        Path(current_app.instance_path) / "uploads" / "returns")


def photo_file(photo: ReturnPhoto) -> Path | None:
    """Where ``photo``'s file is (None for a name this module would not have written)."""
    if not STORED_NAME.fullmatch(photo.stored_name):
        return None
    return upload_dir() / photo.stored_name


@contextmanager
def staged_files() -> Iterator[None]:
    """Remove the files written within when an error leaves it (the outermost one
    cleans up, so a failed outer transaction removes its inner ones' files too)."""
    if _written.get() is not None:
        yield
        return
    written: list[Path] = []
    token = _written.set(written)
    try:
        yield
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    finally:
        _written.reset(token)


def save_photos(line_id: int, photos: list[checks.Photo], actor) -> list[ReturnPhoto]:
    """Rows and files of ``photos`` for the line; call inside a transaction within
    ``staged_files()``."""
    written = _written.get()
    if written is None:
        raise RuntimeError("save_photos needs staged_files()")
    folder = upload_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    saved = []
    for photo in photos:
        name = f"{secrets.token_hex(16)}.jpg"
        path = folder / name
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        written.append(path)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(photo.data)
        saved.append(ReturnPhoto.create(
            return_line=line_id, stored_name=name, content_type=photo.content_type,
            size=len(photo.data), width=photo.width, height=photo.height,
            uploaded_by=actor_label(actor)[:160]))
    return saved


def add_photos(rma: ReturnOrder, line_id: int, uploads: list[checks.Upload],
               actor) -> list[ReturnPhoto]:
    """Photos of a line of a received return, taken later; ReturnInvalid (field
    ``lines.<id>.photos``) when one is refused, nothing stored then."""
    field = f"lines.{line_id}.photos"
    line = (ReturnLine.select(ReturnLine, OrderLine, Product).join(OrderLine).join(Product)
            .where(ReturnLine.id == line_id, ReturnLine.return_order == rma.id).first())
    if line is None or rma.status != ReturnStatus.RECEIVED:
        raise ReturnInvalid(str(_l("Photos are added to the lines of a received return.")))
    if not uploads:
        message = str(_l("Choose at least one photo."))
        raise ReturnInvalid(message, fields={field: message})
    try:
        photos = checks.prepare(uploads, _count(line_id))
        with staged_files(), transaction():
            if not is_sqlite():  # two additions to one line queue here
                ReturnLine.select(ReturnLine.id).where(ReturnLine.id == line_id) \
                    .for_update().execute()
            photos = checks.prepare(photos, _count(line_id))  # the count again, locked
            saved = save_photos(line_id, photos, actor)
            add_event(rma, "photos_added", actor,
                      f"{line.order_line.product.sku}: {len(saved)}")
    except checks.PhotoRefused as error:
        raise ReturnInvalid(error.message, fields={field: error.message}) from error
    return saved


def _count(line_id: int) -> int:
    return ReturnPhoto.select().where(ReturnPhoto.return_line == line_id).count()


def photos_by_line(rma: ReturnOrder) -> dict[int, list[ReturnPhoto]]:
    """The return's photos per return line id, oldest first."""
    found: dict[int, list[ReturnPhoto]] = {}
    for photo in (ReturnPhoto.select().join(ReturnLine)
                  .where(ReturnLine.return_order == rma.id)
                  .order_by(ReturnPhoto.uploaded_at, ReturnPhoto.id)):
        found.setdefault(photo.return_line_id, []).append(photo)
    return found


def find_photo(rma: ReturnOrder, photo_id: int) -> ReturnPhoto | None:
    """``photo_id`` if it belongs to ``rma``."""
    return (ReturnPhoto.select().join(ReturnLine)
            .where(ReturnPhoto.id == photo_id, ReturnLine.return_order == rma.id).first())
