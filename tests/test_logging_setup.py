"""LOG_FORMAT=json: one JSON line per record and one per request (portal/logging_setup)."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest
from flask import Flask, g

from portal.logging_setup import JsonFormatter, RequestIdFilter, init_logging


@pytest.fixture
def json_app(monkeypatch):
    root = logging.getLogger()
    console = logging.StreamHandler()
    monkeypatch.setattr(root, "handlers", [*root.handlers, console])
    app = Flask(__name__)
    app.config["LOG_FORMAT"] = "json"
    init_logging(app)

    @app.get("/as-key")
    def as_key():
        g.api_key = SimpleNamespace(id=7)
        logging.getLogger("portal.test").info("inside")
        return {"ok": True}

    @app.get("/as-user")
    def as_user():
        g._login_user = SimpleNamespace(id=3)
        return "", 204

    app.console = console
    return app


def test_each_request_logs_one_structured_line(json_app, caplog):
    caplog.set_level(logging.INFO)
    response = json_app.test_client().get("/as-key", headers={"X-Request-Id": "lb-123"})
    assert response.headers["X-Request-Id"] == "lb-123"
    [line] = [r for r in caplog.records if r.name == "portal.request"]
    assert (line.request_id, line.method, line.path, line.status) == ("lb-123", "GET",
                                                                      "/as-key", 200)
    assert line.api_key_id == 7 and line.user_id is None
    assert isinstance(line.duration_ms, float) and line.duration_ms >= 0
    data = json.loads(json_app.console.format(line))
    assert data["logger"] == "portal.request" and data["message"] == "GET /as-key 200"
    assert {k: data[k] for k in ("request_id", "status", "api_key_id")} == {
        "request_id": "lb-123", "status": 200, "api_key_id": 7}
    assert "user_id" not in data
    # A record logged inside the request carries its id too.
    [inside] = [r for r in caplog.records if r.name == "portal.test"]
    RequestIdFilter().filter(inside)
    assert json.loads(json_app.console.format(inside))["message"] == "inside"


def test_user_id_and_generated_request_id(json_app, caplog):
    caplog.set_level(logging.INFO)
    response = json_app.test_client().get("/as-user", headers={"X-Request-Id": "bad id <x>"})
    generated = response.headers["X-Request-Id"]
    assert len(generated) == 32 and generated != "bad id <x>"
    [line] = [r for r in caplog.records if r.name == "portal.request"]
    assert (line.user_id, line.api_key_id, line.status, line.request_id) == (
        3, None, 204, generated)


def test_request_id_added_inside_a_request(json_app):
    with json_app.test_request_context("/"):
        g.request_id = "abc"
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom %s", ("!",), None)
        assert RequestIdFilter().filter(record)
    data = json.loads(JsonFormatter().format(record))
    assert data == {**data, "level": "ERROR", "message": "boom !", "request_id": "abc"}


def test_exceptions_are_kept():
    try:
        raise ValueError("nope")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (),
                                   sys.exc_info())
    assert "ValueError: nope" in json.loads(JsonFormatter().format(record))["exc"]


def test_plain_text_stays_the_default(app, client, caplog):
    caplog.set_level(logging.INFO)
    response = client.get("/healthz")
    assert "X-Request-Id" not in response.headers
    assert not [r for r in caplog.records if r.name == "portal.request"]
