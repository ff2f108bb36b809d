"""Every POST route of the portal refuses a request without a CSRF token with 400, even
for an admin who is logged in: walked from ``app.url_map``, so a new route is checked
the day it is added. Exemptions are listed here, each with its reason."""

from __future__ import annotations

import pytest

from portal.forms import csrf

# blueprint → why it takes POSTs without a CSRF token
EXEMPT_BLUEPRINTS = {
    "api": "machines authenticate every call with a bearer API key, never a cookie",
    "payment_webhooks": "payment providers sign their events; the signature is checked",
}
# endpoint → why (none today; the marketplace simulator exists only with DEMO on)
EXEMPT_ENDPOINTS: dict[str, str] = {}
METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _dummy_values(rule) -> dict:
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]  # noqa: SLF001 - the converter decides the type
        values[name] = 1 if type(converter).__name__ in ("DatabaseId", "IntegerConverter") \
            else "X1"
    return values


def unsafe_rules(app):
    for rule in app.url_map.iter_rules():
        methods = sorted(set(rule.methods or ()) & set(METHODS))
        if not methods:
            continue
        blueprint = rule.endpoint.rpartition(".")[0]
        if blueprint in EXEMPT_BLUEPRINTS or rule.endpoint in EXEMPT_ENDPOINTS:
            continue
        for method in methods:
            yield rule, method


def test_the_exemptions_listed_here_are_the_real_ones(app):
    exempt_blueprints = {bp.name for bp in csrf._exempt_blueprints}  # noqa: SLF001
    exempt_views = set(csrf._exempt_views)  # noqa: SLF001

    assert exempt_blueprints == set(EXEMPT_BLUEPRINTS)
    assert {view for view in exempt_views if not view.startswith("portal.marketplace.")} \
        == set(EXEMPT_ENDPOINTS)


def test_the_crawl_finds_the_portals_forms(app):
    endpoints = {rule.endpoint for rule, _method in unsafe_rules(app)}

    assert len(endpoints) > 40
    assert {"auth.login", "auth.logout", "imports.upload"} <= endpoints


def test_every_post_without_a_token_is_refused(app, as_role):
    client = as_role("admin")
    with app.test_request_context():
        from flask import url_for

        cases = [(url_for(rule.endpoint, **_dummy_values(rule)), method)
                 for rule, method in unsafe_rules(app)]
    failures = []
    for url, method in cases:
        response = client.open(url, method=method, data={"x": "1"})
        if response.status_code != 400:
            failures.append(f"{method} {url}: {response.status_code}")

    assert not failures, "\n".join(failures)
    # still logged in: the refusals did not end the session
    assert client.get("/", follow_redirects=False).status_code == 200


@pytest.mark.parametrize("header", [{}, {"HX-Request": "true"}])
def test_a_wrong_token_is_refused_as_well(as_role, header):
    client = as_role("admin")

    response = client.post("/logout", data={"csrf_token": "forged"}, headers=header)

    assert response.status_code == 400
