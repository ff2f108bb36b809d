"""Portal pages and the API key check on the full demo data set.

Requests go through Flask's test client in-process, so the figures are the
server's own cost (routing, auth, queries, templates) without network or WSGI server.
"""

from __future__ import annotations

import re
import tempfile

from config import TestConfig
from portal import create_app
from portal.auth.services import create_api_key
from portal.db import db, is_sqlite, upgrade_database
from portal.demo.data import DEMO_PASSWORD
from portal.demo.loader import load_demo
from tests.bench.harness import measure, report

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _logged_in(app, email: str):
    client = app.test_client()
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, email
    return client


def _get(client, path: str, **kwargs):
    def call():
        response = client.get(path, **kwargs)
        assert response.status_code == 200, (path, response.status_code)
    return call


def run(database_url: str | None = None) -> None:
    url = database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    app = create_app(TestConfig, DATABASE_URL=url, ARGON2_FAST=False)
    with app.app_context():
        if not is_sqlite():  # a clean schema, as for the test suite
            db.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
            db.execute_sql("CREATE SCHEMA public")
        upgrade_database()
        load_demo()
        _key, api_key = create_api_key("bench", ["availability:read"])
    clients = {role: _logged_in(app, f"{role}@example.com")
               for role in ("admin", "manager", "logistics")}
    clients["employee"] = _logged_in(app, "berlin@example.com")
    anonymous = app.test_client()
    results = [
        measure("GET /login (anonymous)", _get(anonymous, "/login")),
        measure("GET /healthz", _get(anonymous, "/healthz")),
        measure("GET /api/v1/whoami (API key)",
                _get(anonymous, "/api/v1/whoami",
                     headers={"Authorization": f"Bearer {api_key}"}),
                goal="p95 < 10 ms", goal_p95_ms=10),
    ]
    for role, client in clients.items():
        results.append(measure(f"GET / dashboard ({role})", _get(client, "/"), samples=100,
                               goal="p95 < 100 ms", goal_p95_ms=100))
    results.append(measure("GET /locations/BER (store page)",
                           _get(clients["manager"], "/locations/BER"), samples=100,
                           goal="p95 < 100 ms", goal_p95_ms=100))
    results.append(measure("GET /locations/?q=berlin (htmx search)",
                           _get(clients["manager"], "/locations/?q=berlin",
                                headers={"HX-Request": "true"})))
    backend = "sqlite" if is_sqlite() else "postgresql"
    report(f"portal-{backend}", results, {"database": backend, "products": 2000,
                               "transport": "flask test client, in-process"})
