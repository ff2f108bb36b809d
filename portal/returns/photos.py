"""Photos of returned items: checking and cleaning an upload before anything is stored.

An upload counts as a photo only when Pillow opens it as JPEG, PNG or WebP (its name and
declared type are never trusted), it is at most ``RETURN_PHOTO_MAX_BYTES`` and at most
``MAX_PIXELS``, and a line keeps at most ``PER_LINE``. Each is re-encoded from its pixels
as a JPEG (orientation applied, longest side at most ``MAX_SIDE``, quality ``QUALITY``), so
no EXIF (GPS), XMP, ICC profile or comment the customer's phone embedded is kept.
Writing the files is ``photo_store``'s.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps

FORMATS = ("JPEG", "PNG", "WEBP")
ACCEPT = "image/jpeg,image/png,image/webp"  # the file inputs' accept attribute
PER_LINE = 5
MAX_SIDE = 2000
MAX_PIXELS = 24_000_000  # a 24 MP phone photo; decoding costs ~100 MB at most
QUALITY = 85
MAX_PER_REQUEST = 20  # photos in one form, over all its lines
DEFAULT_MAX_BYTES = 8 * 1024 * 1024

Key = TypeVar("Key")


class PhotoRefused(ValueError):
    """An upload that is not stored; ``message`` says why, naming the file."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Upload:
    """A posted file: its name (for messages only) and at most max bytes + 1 of it."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Photo:
    """A checked, re-encoded photo, ready to be stored."""

    data: bytes
    width: int
    height: int
    content_type: str = "image/jpeg"


def max_bytes() -> int:
    return int(current_app.config.get("RETURN_PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES))


def _display_name(filename: str | None) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return re.sub(r"[\x00-\x1f\x7f]", "", name)[:80] or str(_l("photo"))


def read_uploads(files: Iterable) -> list[Upload]:
    """The files of one ``<input type=file multiple>`` (werkzeug ``FileStorage``s); an
    input left empty is no upload. Reads at most max bytes + 1 of each."""
    limit = max_bytes()
    uploads = []
    for storage in files:
        data = storage.stream.read(limit + 1)
        if data or storage.filename:
            uploads.append(Upload(_display_name(storage.filename), data))
    return uploads


def prepare(uploads: list[Upload | Photo], stored: int = 0) -> list[Photo]:
    """Check and re-encode ``uploads`` of one line that has ``stored`` photos already;
    PhotoRefused for the first that fails (then none of them counts)."""
    if stored + len(uploads) > PER_LINE:
        raise PhotoRefused(str(_l("At most %(count)s photos per article.", count=PER_LINE)))
    limit = max_bytes()
    photos = []
    for upload in uploads:
        if isinstance(upload, Photo):  # checked already (the counter checks first)
            photos.append(upload)
            continue
        if len(upload.data) > limit:
            raise PhotoRefused(str(_l("%(file)s is larger than %(size)s MB.", file=upload.name,
                                      size=round(limit / 1024 / 1024, 1))))
        photos.append(_reencode(upload))
    return photos


def prepare_lines(uploads: Mapping[Key, list[Upload | Photo]],
                  stored: Mapping[Key, int] | None = None
                  ) -> tuple[dict[Key, list[Photo]], dict[Key, str]]:
    """``prepare`` per line: (photos by key, message by key of the lines refused)."""
    photos: dict[Key, list[Photo]] = {}
    refused: dict[Key, str] = {}
    if sum(len(files) for files in uploads.values()) > MAX_PER_REQUEST:
        first = next(key for key, files in uploads.items() if files)
        return {}, {first: str(_l("At most %(count)s photos per form.", count=MAX_PER_REQUEST))}
    for key, files in uploads.items():
        if not files:
            continue
        try:
            photos[key] = prepare(files, (stored or {}).get(key, 0))
        except PhotoRefused as error:
            refused[key] = error.message
            break  # the form comes back anyway: decoding the rest is wasted work
    return photos, refused


def _reencode(upload: Upload) -> Photo:
    try:
        with Image.open(io.BytesIO(upload.data), formats=FORMATS) as image:
            if image.width * image.height > MAX_PIXELS:
                raise PhotoRefused(str(_l(
                    "%(file)s has too many pixels (at most %(megapixels)s megapixels).",
                    file=upload.name, megapixels=MAX_PIXELS // 1_000_000)))
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            clean = _rgb(ImageOps.exif_transpose(image))
    except PhotoRefused:
        raise
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError,
            MemoryError) as error:
        raise PhotoRefused(str(_l("%(file)s is not a JPEG, PNG or WebP image.",
                                  file=upload.name))) from error
    clean.info.clear()  # Pillow would copy a JPEG comment from here
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=QUALITY, optimize=True, progressive=True)
    return Photo(out.getvalue(), clean.width, clean.height)


def _rgb(image: Image.Image) -> Image.Image:
    """A fresh RGB image of the pixels; transparency on white."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        clean = Image.new("RGB", rgba.size, "white")
        clean.paste(rgba, mask=rgba.getchannel("A"))
        return clean
    clean = Image.new("RGB", image.size)
    clean.paste(image.convert("RGB"))
    return clean
