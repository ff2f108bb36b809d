"""htmx runs locked down (no eval, no script tags from responses, requests to this origin
only) under a CSP without unsafe-inline or unsafe-eval."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from portal import ROOT

META = re.compile(r'<meta name="htmx-config" content=\'([^\']*)\'>')


def htmx_config(page: str) -> dict:
    found = META.search(page)
    assert found, "base.html lost its htmx-config meta"
    return json.loads(html.unescape(found.group(1)))


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {name: sources for name, *sources in
            (part.split() for part in policy.split(";") if part.strip())}


def test_the_vendored_htmx_knows_the_settings():
    source = (ROOT / "static" / "vendor" / "htmx" / "htmx.min.js").read_text()
    version = re.search(r'version:"(\d+)\.(\d+)\.(\d+)"', source)
    assert version and tuple(map(int, version.groups())) >= (2, 0, 0)
    for setting in ("selfRequestsOnly", "allowEval", "allowScriptTags"):
        assert f"{setting}:" in source, setting


@pytest.mark.parametrize("role", [None, "manager", "employee"])
def test_every_page_locks_htmx_down(client, as_role, role):
    browser = as_role(role) if role else client
    response = browser.get("/" if role else "/login", follow_redirects=True)

    config = htmx_config(response.get_data(as_text=True))

    assert config["selfRequestsOnly"] is True
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False


@pytest.mark.parametrize("path", ["/login", "/api/v1/whoami", "/no-such-page"])
def test_the_csp_allows_no_inline_code_and_no_eval(client, path):
    directives = csp_directives(client.get(path))

    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    for name, sources in directives.items():
        assert not {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*",
                    "data:"} & set(sources) or name == "img-src", name


def test_base_template_is_where_the_config_lives():
    base = Path(ROOT / "templates" / "base.html").read_text()

    assert len(META.findall(base)) == 1
