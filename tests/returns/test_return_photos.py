"""Photos of returned items: taken with the receive form, at the counter and later; checked
by opening them (a text file named .jpg is refused), at most 5 per line and
RETURN_PHOTO_MAX_BYTES each, re-encoded as JPEG without EXIF (GPS) and with the
orientation applied, stored under random names, served only to who may see the return,
and nothing written when anything is refused."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image

from portal.returns import photo_store
from portal.returns.models import ReturnEvent, ReturnLine, ReturnOrder, ReturnPhoto
from portal.returns.photos import PER_LINE, PhotoRefused, Upload, prepare
from tests.fulfilment.conftest import level
from tests.returns.screens import at_counter, by_post, post, signed_in


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    """This test's own upload folder (created by the first photo stored)."""
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(folder))
    return folder


def stored_files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def jpeg_with_gps(size=(400, 200)) -> bytes:
    """A phone photo: EXIF with GPS position, maker and orientation 6 (turn 90° to view),
    and a comment."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (52.0, 31.0, 12.0),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (13.0, 24.0, 36.0)})
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", exif=exif,
                                                comment=b"Erika Mustermann at home")
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # sanity
    return data


def png(size=(30, 30), mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 200, 128) if mode == "RGBA" else 80).save(out, "PNG")
    return out.getvalue()


def huge_png_header(width=9000, height=8000) -> bytes:
    """Only the header of a 72-megapixel PNG (a decompression bomb needs no more)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def files(*items):
    """Multipart values of one file input: (bytes, file name) pairs."""
    return [(io.BytesIO(data), name) for data, name in items]


def receive(client, rma, condition="new", **photo_fields):
    line = ReturnLine.get(ReturnLine.return_order == rma.id)
    data = {f"condition-{line.id}": condition}
    data.update({name.replace("LINE", str(line.id)): value
                 for name, value in photo_fields.items()})
    return post(client, f"/returns/{rma.number}/receive", data), line


def test_a_photo_taken_on_receiving_is_served_reencoded_without_exif(
        app, shelf, stores, users, returns_wh, uploads):
    _order, rma = by_post(users)
    logistics = signed_in(app, users["logistics"])

    response, line = receive(logistics, rma, **{"photos-LINE": files(
        (jpeg_with_gps(), "IMG_0001 Erika.jpg"), (png(), "scan.png"))})

    assert response.status_code == 302
    assert ReturnOrder.get_by_id(rma.id).status == "received"
    photos = list(ReturnPhoto.select().order_by(ReturnPhoto.id))
    assert [(p.return_line_id, p.content_type) for p in photos] == [(line.id, "image/jpeg")] * 2
    assert (photos[0].width, photos[0].height) == (200, 400)  # orientation applied
    assert photos[0].uploaded_by == users["logistics"].email
    names = stored_files(uploads)
    assert names == sorted(p.stored_name for p in photos)
    assert all(photo_store.STORED_NAME.fullmatch(name) for name in names)  # random, ours
    assert (uploads / names[0]).stat().st_mode & 0o777 == 0o600

    served = logistics.get(f"/returns/{rma.number}/photos/{photos[0].id}.jpg")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"].startswith("private")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    image = Image.open(io.BytesIO(served.data))
    assert image.format == "JPEG" and image.size == (200, 400)
    assert dict(image.getexif()) == {} and not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"Exif" not in served.data and b"PhoneMaker" not in served.data
    assert b"Erika" not in served.data and "comment" not in image.info
    assert served.data == (uploads / photos[0].stored_name).read_bytes()
    transparent = logistics.get(f"/returns/{rma.number}/photos/{photos[1].id}.jpg")
    assert Image.open(io.BytesIO(transparent.data)).mode == "RGB"

    page = logistics.get(f"/returns/{rma.number}").get_data(as_text=True)
    url = f"/returns/{rma.number}/photos/{photos[0].id}.jpg"
    assert f'<img src="{url}" width="48" height="96"' in page
    assert 'alt="Photo 1 of line 1: CAP-1 ' in page
    assert "Erika.jpg" not in page and photos[0].stored_name not in page


def test_a_text_file_named_jpg_is_refused_with_nothing_written(
        app, shelf, stores, users, returns_wh, uploads):
    _order, rma = by_post(users)
    logistics = signed_in(app, users["logistics"])
    before = level(shelf["cap"], stores["WH"])

    response, line = receive(logistics, rma, **{"photos-LINE": files(
        (jpeg_with_gps(), "good.jpg"), (b"just some text, honestly", "invoice.jpg"))})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "invoice.jpg is not a JPEG, PNG or WebP image." in page
    assert f'id="photos-{line.id}-error"' in page and "Choose the photos again" in page
    assert ReturnOrder.get_by_id(rma.id).status == "requested"  # not received either
    assert ReturnPhoto.select().count() == 0 and stored_files(uploads) == []
    assert level(shelf["cap"], stores["WH"]) == before


def test_too_many_or_too_large_photos_are_refused(app, shelf, stores, users, returns_wh,
                                                  uploads, monkeypatch):
    _order, rma = by_post(users)
    logistics = signed_in(app, users["logistics"])
    photo = png()

    response, _line = receive(logistics, rma, **{"photos-LINE": files(
        *[(photo, f"p{i}.png") for i in range(PER_LINE + 1)])})
    assert response.status_code == 400
    assert f"At most {PER_LINE} photos per article." in response.get_data(as_text=True)

    monkeypatch.setitem(app.config, "RETURN_PHOTO_MAX_BYTES", len(photo) - 1)
    response, _line = receive(logistics, rma, **{"photos-LINE": files((photo, "big.png"))})
    assert response.status_code == 400
    assert "big.png is larger than" in response.get_data(as_text=True)

    assert ReturnOrder.get_by_id(rma.id).status == "requested"
    assert ReturnPhoto.select().count() == 0 and stored_files(uploads) == []


def test_images_are_checked_before_they_are_decoded_and_shrunk(ctx):
    with pytest.raises(PhotoRefused, match="too many pixels"):
        prepare([Upload("bomb.png", huge_png_header())])
    for data in (b"GIF89a", png(mode="L")[:40], b""):
        with pytest.raises(PhotoRefused, match="not a JPEG, PNG or WebP"):
            prepare([Upload("x.jpg", data)])
    big = io.BytesIO()
    Image.new("RGB", (4000, 1000), "white").save(big, "WEBP")
    shrunk = prepare([Upload("wide.webp", big.getvalue())])[0]
    assert (shrunk.width, shrunk.height) == (2000, 500)
    assert Image.open(io.BytesIO(shrunk.data)).format == "JPEG"


def test_an_oversize_request_gets_413_with_the_error_page(app, shelf, stores, users,
                                                          returns_wh, uploads):
    _order, rma = by_post(users)
    logistics = signed_in(app, users["logistics"])
    too_big = b"\xff" * (app.config["MAX_CONTENT_LENGTH"] + 1)

    response, _line = receive(logistics, rma, **{"photos-LINE": files((too_big, "huge.jpg"))})

    assert response.status_code == 413
    assert "The upload is too large." in response.get_data(as_text=True)
    assert ReturnOrder.get_by_id(rma.id).status == "requested"
    assert stored_files(uploads) == []


def test_photos_taken_at_the_counter_are_seen_only_where_the_return_is(
        app, shelf, stores, users, uploads):
    from tests.returns.conftest import delivered_order

    order = delivered_order(users, ("CAP-1", 1), sources={"CAP-1": "WH"})
    berlin = signed_in(app, users["employee"])
    page = berlin.get(f"/returns/counter?order={order.number}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert 'name="photos-1"' in page and 'accept="image/jpeg,image/png,image/webp"' in page

    response = post(berlin, "/returns/counter", {
        "order": order.number, "quantity-1": "1", "condition-1": "damaged",
        "photos-1": files((jpeg_with_gps(), "dent.jpg"))}, page="/returns/counter")

    assert response.status_code == 302
    rma = ReturnOrder.get()
    photo = ReturnPhoto.get()
    url = f"/returns/{rma.number}/photos/{photo.id}.jpg"
    assert berlin.get(url).status_code == 200
    assert signed_in(app, users["manager"]).get(url).status_code == 200
    assert signed_in(app, users["employee_ham"]).get(url).status_code == 404
    assert signed_in(app, users["logistics"]).get(url).status_code == 404
    _other_order, other = at_counter(users, stores["BER"], users["employee"])
    assert berlin.get(f"/returns/{other.number}/photos/{photo.id}.jpg").status_code == 404
    assert berlin.get(f"/returns/{rma.number}/photos/{photo.id + 1000}.jpg").status_code == 404


def test_a_bad_photo_at_the_counter_takes_nothing_back(app, shelf, stores, users, uploads):
    from tests.returns.conftest import delivered_order

    order = delivered_order(users, ("CAP-1", 1), sources={"CAP-1": "WH"})
    berlin = signed_in(app, users["employee"])

    response = post(berlin, "/returns/counter", {
        "order": order.number, "quantity-1": "1", "condition-1": "new",
        "photos-1": files((b"%PDF-1.4 not a photo", "receipt.jpg"))}, page="/returns/counter")

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="photos-1-error"' in page and "receipt.jpg is not a JPEG" in page
    assert ReturnOrder.select().count() == 0 and stored_files(uploads) == []


def test_photos_are_added_to_a_received_return_by_staff_where_it_is(
        app, shelf, stores, users, uploads):
    _order, rma = at_counter(users, stores["BER"], users["employee"])
    line = ReturnLine.get(ReturnLine.return_order == rma.id)
    url = f"/returns/{rma.number}/lines/{line.id}/photos"
    berlin = signed_in(app, users["employee"])
    page = berlin.get(f"/returns/{rma.number}").get_data(as_text=True)
    assert f'action="{url}"' in page and 'enctype="multipart/form-data"' in page

    response = post(berlin, url, {"photos": files((png(), "a.png"), (png(), "b.png"))})

    assert response.status_code == 302
    assert ReturnPhoto.select().count() == 2 and len(stored_files(uploads)) == 2
    assert ReturnEvent.get(ReturnEvent.kind == "photos_added").note == "CAP-1: 2"
    assert "Photos added" in berlin.get(f"/returns/{rma.number}").get_data(as_text=True)

    response = post(berlin, url, {"photos": files(*[(png(), "c.png")] * 4)})
    assert response.status_code == 422
    assert f"At most {PER_LINE} photos per article." in response.get_data(as_text=True)
    response = post(berlin, url, {"photos": files((b"<svg></svg>", "d.jpg"))})
    assert response.status_code == 422 and "d.jpg is not a JPEG" in response.get_data(
        as_text=True)
    response = post(berlin, url, {})
    assert response.status_code == 422 and "Choose at least one photo." in response.get_data(
        as_text=True)
    assert ReturnPhoto.select().count() == 2 and len(stored_files(uploads)) == 2

    hamburg = signed_in(app, users["employee_ham"])
    assert post(hamburg, url, {"photos": files((png(), "e.png"))}).status_code == 404
    assert post(signed_in(app, users["manager"]), url,
                {"photos": files((png(), "f.png"))}).status_code == 302
    assert ReturnPhoto.select().count() == 3


def test_a_failed_transaction_leaves_no_file_and_a_lost_file_is_a_404(
        app, shelf, stores, users, uploads, monkeypatch):
    _order, rma = at_counter(users, stores["BER"], users["employee"])
    line = ReturnLine.get(ReturnLine.return_order == rma.id)

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    with app.test_request_context():
        with monkeypatch.context() as patch, pytest.raises(RuntimeError):
            patch.setattr(photo_store, "add_event", broken)
            photo_store.add_photos(rma, line.id, [Upload("a.png", png())], users["employee"])
        assert ReturnPhoto.select().count() == 0 and stored_files(uploads) == []
        photo = photo_store.add_photos(rma, line.id, [Upload("a.png", png())],
                                       users["employee"])[0]

    berlin = signed_in(app, users["employee"])
    url = f"/returns/{rma.number}/photos/{photo.id}.jpg"
    assert berlin.get(url).status_code == 200
    (uploads / photo.stored_name).unlink()
    assert berlin.get(url).status_code == 404
