"""Fixtures: one migrated database per test session (SQLite file, or PostgreSQL when
DATABASE_URL is set), emptied after every test; an app, a client, users and logins."""

from __future__ import annotations

import os
import re

import pytest
from flask import Blueprint
from flask.testing import FlaskClient

from config import TestConfig
from portal import create_app
from portal.auth.models import User
from portal.auth.services import create_user
from portal.db import all_models, db, is_sqlite, upgrade_database
from portal.locations.directory import forget_locations
from portal.locations.models import Location

PASSWORD = "correct-horse-battery"
CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"'
                        r'|name="csrf_token" value="([^"]+)"')


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def _reset_postgres_schema() -> None:
    """A clean schema per test run: nothing from an earlier run survives."""
    db.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
    db.execute_sql("CREATE SCHEMA public")


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, so ``g`` (logged-in user, CSRF token)
    never leaks from a test's own context into the request, as it would in a browser."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def _crash_routes() -> Blueprint:
    """Routes that fail on purpose, to test the 500 page and the JSON 500."""
    crash = Blueprint("crash", __name__)

    @crash.get("/test-crash")
    @crash.get("/api/v1/test-crash")
    def explode():
        raise RuntimeError("kaboom")

    return crash


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app(TestConfig, DATABASE_URL=_database_url(tmp_path_factory),
                     UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads")))
    app.test_client_class = IsolatedClient
    app.register_blueprint(_crash_routes())
    with app.app_context():
        if not is_sqlite():
            _reset_postgres_schema()
        upgrade_database()
    return app


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Empty every table after each test that used the database."""
    yield
    if "app" not in request.fixturenames:
        return
    tables = [model._meta.table_name for model in reversed(all_models())]
    db.connect(reuse_if_open=True)
    if is_sqlite():
        with db.atomic():
            for table in tables:
                db.execute_sql(f'DELETE FROM "{table}"')  # noqa: S608 - our own table names
    else:
        quoted = ", ".join(f'"{t}"' for t in tables)
        db.execute_sql(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
    db.close()
    forget_locations()


@pytest.fixture
def ctx(app):
    """An application context for calling services directly."""
    with app.test_request_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


def make_store(code: str = "BER", name: str = "Berlin Mitte", lat=52.52, lon=13.40,
               **fields) -> Location:
    defaults = {"kind": "store", "city": name.split()[0], "street": "Hauptstraße 1",
                "country": "DE", "ships": True,
                "click_collect": True, "accepts_returns": True}
    return Location.create(code=code, name=name, latitude=lat, longitude=lon,
                           **{**defaults, **fields})


@pytest.fixture
def stores(ctx):
    """Two stores and a warehouse."""
    return {
        "BER": make_store("BER", "Berlin Mitte", 52.52, 13.40),
        "HAM": make_store("HAM", "Hamburg City", 53.55, 10.00),
        "WH": make_store("WH", "Central Warehouse", 51.31, 9.52, kind="warehouse"),
    }


@pytest.fixture
def users(ctx, stores) -> dict[str, User]:
    """One user per role; the employee works in Berlin."""
    made = {}
    for role in ("admin", "manager", "logistics"):
        made[role] = create_user(email=f"{role}@test.example", name=role.title(),
                                 password=PASSWORD, role=role)
    made["employee"] = create_user(email="berlin@test.example", name="Berlin Clerk",
                                   password=PASSWORD, role="employee", home_store=stores["BER"])
    made["employee_ham"] = create_user(email="hamburg@test.example", name="Hamburg Clerk",
                                       password=PASSWORD, role="employee",
                                       home_store=stores["HAM"])
    return made


def csrf_token_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


def csrf_token(client, page: str = "/login") -> str:
    return csrf_token_from(client.get(page).get_data(as_text=True))


def login(client, user_or_email, password: str = PASSWORD):
    email = getattr(user_or_email, "email", user_or_email)
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": token})


@pytest.fixture
def as_role(client, users):
    """Log the test client in as a role: ``as_role("manager")``."""

    def _login(role: str):
        response = login(client, users[role])
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return _login
