"""A worker remembers a verified API key for API_KEY_CACHE_SECONDS: no key lookup per
request, and a revocation still takes effect within that time."""

from __future__ import annotations

import pytest

from portal.api import auth
from portal.auth.models import ApiKey
from portal.auth.services import create_api_key, revoke_api_key


@pytest.fixture
def clock(app, monkeypatch):
    """A monotonic clock the test moves; a fresh cache of 5 seconds."""
    now = [1000.0]
    monkeypatch.setattr(auth, "monotonic", lambda: now[0])
    monkeypatch.setitem(app.config, "API_KEY_CACHE_SECONDS", 5)
    auth.forget_api_keys()
    yield now
    auth.forget_api_keys()


def _whoami(client, plain: str) -> int:
    return client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {plain}"}).status_code


def test_a_revoked_key_is_refused_once_the_cache_time_has_passed(client, ctx, users, clock):
    key, plain = create_api_key("Web shop", ["orders:write"])
    assert _whoami(client, plain) == 200

    revoke_api_key(key, users["admin"])
    clock[0] += 4.9
    assert _whoami(client, plain) == 200  # remembered: at most API_KEY_CACHE_SECONDS
    clock[0] += 0.2
    assert _whoami(client, plain) == 401


def test_without_a_cache_time_every_request_looks_the_key_up(app, client, ctx, users, clock,
                                                              monkeypatch):
    monkeypatch.setitem(app.config, "API_KEY_CACHE_SECONDS", 0)
    key, plain = create_api_key("Web shop", ["orders:write"])
    assert _whoami(client, plain) == 200

    revoke_api_key(key, users["admin"])

    assert _whoami(client, plain) == 401


def test_a_remembered_key_costs_no_lookup_and_wrong_secrets_are_not_remembered(
        client, ctx, clock, monkeypatch):
    key, plain = create_api_key("Web shop", ["orders:write"])
    lookups = []
    real_find = auth.find_api_key
    monkeypatch.setattr(auth, "find_api_key", lambda token: lookups.append(1) or
                        real_find(token))

    assert [_whoami(client, plain) for _ in range(3)] == [200, 200, 200]
    assert len(lookups) == 1
    assert ApiKey.get_by_id(key.id).last_used_at is not None

    wrong = plain[:-4] + ("AAAA" if not plain.endswith("AAAA") else "BBBB")
    assert [_whoami(client, wrong) for _ in range(2)] == [401, 401]
    assert len(lookups) == 3
