"""Every upload form answers a body above MAX_CONTENT_LENGTH with 413 and the portal's
error page (the htmx error card for htmx requests), and keeps nothing. The forms are
found in the templates, so a new upload form fails here until it is added."""

from __future__ import annotations

import io
import re

import pytest

from portal import ROOT
from portal.inventory.models import Product
from portal.returns.models import ReturnLine, ReturnOrder
from tests.conftest import csrf_token
from tests.returns.conftest import returns_wh, shelf  # noqa: F401 - fixtures
from tests.returns.screens import announced_for, at_counter, by_post, signed_in

LIMIT = 64 * 1024  # the test's MAX_CONTENT_LENGTH, so the bodies stay small
UPLOAD_FORMS = {"imports.upload", "returns.counter", "returns.add_photos", "returns.receive",
                "returns.counter_receive"}


def test_every_upload_form_is_listed_here():
    found = set()
    for template in (ROOT / "templates").rglob("*.html"):
        for form in re.findall(r"<form[^>]*multipart/form-data[^>]*>", template.read_text()):
            found.update(re.findall(r"url_for\('([\w.]+)'", form))

    assert found == UPLOAD_FORMS


@pytest.fixture
def small_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", LIMIT)
    return LIMIT


@pytest.fixture
def upload_targets(app, shelf, stores, users, returns_wh):  # noqa: F811
    """form → (user, page with the form, URL, fields besides the file, file field)."""
    order, by_mail = by_post(users)
    _counter_order, received = at_counter(users, stores["BER"], users["employee"])
    line = ReturnLine.get(ReturnLine.return_order == received.id)
    _announced_order, announced = announced_for(users, stores["HAM"])
    announced_line = ReturnLine.get(ReturnLine.return_order == announced.id)
    return {
        "imports.upload": (users["manager"], "/data/", "/data/upload",
                           {"kind": "stock"}, "file"),
        "returns.counter": (users["employee"], "/returns/counter", "/returns/counter",
                            {"order": order.number, "store": "BER", "qty-1": "1",
                             "condition-1": "new"}, "photos-1"),
        "returns.receive": (users["logistics"], f"/returns/{by_mail.number}",
                            f"/returns/{by_mail.number}/receive", {}, "photos-1"),
        "returns.counter_receive": (
            users["employee"], f"/returns/counter/receive/{announced.number}",
            f"/returns/counter/receive/{announced.number}",
            {f"condition-{announced_line.id}": "new"}, f"photos-{announced_line.id}"),
        "returns.add_photos": (users["employee"], f"/returns/{received.number}",
                               f"/returns/{received.number}/lines/{line.id}/photos", {},
                               "photos"),
    }


def snapshot():
    return (list(ReturnOrder.select().order_by(ReturnOrder.id).tuples()),
            list(ReturnLine.select().order_by(ReturnLine.id).tuples()),
            Product.select().count())


@pytest.mark.parametrize("form", sorted(UPLOAD_FORMS))
@pytest.mark.parametrize("htmx", [False, True])
def test_an_upload_above_the_limit_is_413_with_the_error_page(app, upload_targets,
                                                              small_limit, form, htmx):
    user, page, url, fields, file_field = upload_targets[form]
    client = signed_in(app, user)
    token = csrf_token(client, page)
    before = snapshot()
    headers = {"HX-Request": "true"} if htmx else {}

    response = client.post(url, data={**fields, "csrf_token": token,
                                      file_field: (io.BytesIO(b"\xff" * (LIMIT + 1)),
                                                   "huge.jpg")},
                           content_type="multipart/form-data", headers=headers)

    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "The upload is too large." in response.get_data(as_text=True)
    if htmx:
        assert response.headers["HX-Retarget"] == "#main"
    assert snapshot() == before


def test_an_upload_below_the_limit_passes_the_size_check(app, upload_targets, small_limit):
    user, page, url, fields, file_field = upload_targets["imports.upload"]
    client = signed_in(app, user)

    response = client.post(url, data={**fields, "csrf_token": csrf_token(client, page),
                                      file_field: (io.BytesIO(b"sku,location,on_hand\r\n"),
                                                   "s.csv")},
                           content_type="multipart/form-data")

    assert response.status_code != 413
