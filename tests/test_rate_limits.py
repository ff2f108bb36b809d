"""Rate limits (portal/ratelimit.py): login POSTs and public tracking per address, the API
per key; 429 with Retry-After, JSON under /api, the error page elsewhere."""

from __future__ import annotations

import pytest

from portal.auth.services import create_api_key
from portal.ratelimit import limiter
from tests.conftest import PASSWORD, csrf_token


@pytest.fixture
def low_limits(app):
    """Low limits for one test; the counters are emptied before and after."""
    saved = {name: app.config[name]
             for name in ("RATELIMIT_LOGIN", "RATELIMIT_API", "RATELIMIT_TRACKING")}
    app.config.update(RATELIMIT_LOGIN="3 per minute", RATELIMIT_API="4 per minute",
                      RATELIMIT_TRACKING="2 per minute")
    limiter.reset()
    yield app
    app.config.update(saved)
    limiter.reset()


def test_the_suite_runs_with_limits_switched_on(app):
    assert app.config["RATELIMIT_ENABLED"] is True
    assert limiter.enabled


def test_login_posts_beyond_the_limit_get_the_error_page(client, users, low_limits):
    token = csrf_token(client)
    for _ in range(3):
        response = client.post("/login", data={"email": "nobody@test.example",
                                               "password": "wrong", "csrf_token": token})
        assert response.status_code == 401

    response = client.post("/login", data={"email": users["admin"].email,
                                           "password": PASSWORD, "csrf_token": token})

    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert "Too many requests" in response.get_data(as_text=True)
    assert 1 <= int(response.headers["Retry-After"]) <= 61
    assert client.get("/login").status_code == 200  # only POSTs count


def test_the_api_is_limited_per_key(client, ctx, low_limits):
    _one, first = create_api_key("Web shop", ["orders:write"])
    _two, second = create_api_key("WMS", ["fulfillments"])
    for _ in range(4):
        assert client.get("/api/v1/whoami",
                          headers={"Authorization": f"Bearer {first}"}).status_code == 200

    refused = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {first}"})

    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "too_many_requests"
    assert int(refused.headers["Retry-After"]) >= 1
    other = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {second}"})
    assert other.status_code == 200


def test_public_tracking_is_limited_per_address(client, ctx, low_limits):
    for number in (1, 2):
        assert client.get(f"/track/parcel/{number:018d}").status_code == 404

    assert client.get("/track/parcel/000000000000000003").status_code == 429
    assert client.get("/track/some-token").status_code == 429
    other = client.get("/track/parcel/000000000000000003",
                       environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 404


def test_the_tracking_api_is_limited_per_address(client, ctx, low_limits):
    for _ in range(2):
        assert client.get("/api/v1/tracking/unknown").status_code == 404

    refused = client.get("/api/v1/tracking/unknown")

    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "too_many_requests"
    assert "Retry-After" in refused.headers
