"""Machines call /api/v1 with bearer API keys; errors are JSON."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from portal.auth import services
from portal.auth.errors import ApiKeyAlreadyCreated
from portal.auth.models import ApiKey
from portal.auth.services import create_api_key, revoke_api_key


def _bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def test_missing_key_is_401_json(client, ctx):
    response = client.get("/api/v1/whoami")

    assert response.status_code == 401
    assert response.is_json
    assert response.json["error"]["code"] == "unauthorized"
    assert "Bearer" in response.json["error"]["message"]


def test_invalid_key_is_401_json(client, ctx):
    create_api_key("Web shop", ["orders:write"])

    for header in ("Bearer oms_deadbeef_nope", "Bearer garbage", "Basic abc", "Bearer "):
        response = client.get("/api/v1/whoami", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json["error"]["code"] == "unauthorized"


def test_a_key_with_a_wrong_secret_but_a_real_prefix_is_refused(client, ctx):
    _key, plain = create_api_key("Web shop", ["orders:write"])
    tampered = plain[:-4] + ("AAAA" if not plain.endswith("AAAA") else "BBBB")

    assert client.get("/api/v1/whoami", headers=_bearer(tampered)).status_code == 401


def test_valid_key_is_200_and_records_use(client, ctx):
    key, plain = create_api_key("WMS Kassel", ["fulfillments"])

    response = client.get("/api/v1/whoami", headers=_bearer(plain))

    assert response.status_code == 200
    assert response.json == {"name": "WMS Kassel", "scopes": ["fulfillments"],
                             "prefix": key.prefix}
    assert ApiKey.get_by_id(key.id).last_used_at is not None


def test_revoked_key_is_401(client, ctx, users):
    key, plain = create_api_key("Old shop", ["orders:write"])
    revoke_api_key(key, users["admin"])

    assert client.get("/api/v1/whoami", headers=_bearer(plain)).status_code == 401


def test_only_a_digest_of_the_key_is_stored(ctx):
    key, plain = create_api_key("Web shop", ["orders:write"])
    stored = ApiKey.get_by_id(key.id)

    assert plain not in (stored.key_hash, stored.prefix, stored.scopes)
    assert len(stored.key_hash) == 64


def test_api_needs_no_csrf_token(client, ctx):
    _key, plain = create_api_key("Web shop", ["orders:write"])

    response = client.post("/api/v1/whoami", headers=_bearer(plain))

    assert response.status_code == 405  # reaches routing: no CSRF 400
    assert response.json["error"]["code"] == "method_not_allowed"


def test_unknown_api_route_is_404_json(client, ctx):
    response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_cli_prints_the_key_alone_on_its_last_line(app, client):
    result = CliRunner().invoke(app.cli, ["create-api-key", "Marketplace", "--scope",
                                          "marketplace"], catch_exceptions=False)

    assert result.exit_code == 0
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("oms_") and " " not in key
    response = client.get("/api/v1/whoami", headers=_bearer(key))
    assert response.json["scopes"] == ["marketplace"]


def test_cli_rejects_an_unknown_scope(app):
    result = CliRunner().invoke(app.cli, ["create-api-key", "X", "--scope", "everything"])

    assert result.exit_code != 0
    with app.app_context():
        assert ApiKey.select().count() == 0


def test_a_request_id_creates_one_key_only(ctx):
    key, plain = create_api_key("Web shop", ["orders:write"], request_id="form-0123456789abcdef")

    with pytest.raises(ApiKeyAlreadyCreated) as refused:
        create_api_key("Web shop", ["orders:write"], request_id="form-0123456789abcdef")

    assert refused.value.status == 409
    assert "cannot be shown again" in refused.value.message
    assert ApiKey.select().count() == 1
    assert services.find_api_key(plain).id == key.id


def test_two_forms_racing_with_one_request_id_still_make_one_key(ctx, monkeypatch):
    create_api_key("Web shop", ["orders:write"], request_id="form-0123456789abcdef")
    real_check = services._created_by_request
    calls = []

    def check(request_id):  # the racer's early check ran before the first key was stored
        calls.append(request_id)
        return len(calls) > 1 and real_check(request_id)

    monkeypatch.setattr(services, "_created_by_request", check)

    with pytest.raises(ApiKeyAlreadyCreated):
        create_api_key("Web shop", ["orders:write"], request_id="form-0123456789abcdef")

    assert len(calls) == 2  # the unique column refused the insert, the second check saw why
    assert ApiKey.select().count() == 1


def test_keys_without_request_id_stay_possible(ctx):
    create_api_key("CLI one", ["orders:write"])
    create_api_key("CLI two", ["orders:write"])

    assert ApiKey.select().where(ApiKey.creation_request.is_null()).count() == 2
