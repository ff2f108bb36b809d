"""Machines call /api/v1 with bearer API keys; errors are JSON."""

from __future__ import annotations

from click.testing import CliRunner

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
