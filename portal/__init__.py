"""The Retail OMS portal: ``create_app`` builds the Flask application."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, redirect, url_for
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import INSTANCE_DIR
from portal.db import bind_database, db

ROOT = Path(__file__).resolve().parent.parent


class DatabaseId(IntegerConverter):
    """``<int:...>`` in routes: ids beyond a 64-bit integer are a 404, not an overflow."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: object | str = "config.Config", **overrides) -> Flask:
    """Build the portal for a settings class (or its dotted path) plus overrides."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), instance_path=str(INSTANCE_DIR))
    app.url_map.converters["int"] = DatabaseId
    app.config.from_object(config)
    app.config.update(overrides)
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from portal.logging_setup import init_logging

    init_logging(app)  # LOG_FORMAT=json: JSON lines and one line per request

    if proxies := app.config.get("TRUSTED_PROXIES", 0):
        # Behind nginx or a load balancer: take the client address from X-Forwarded-For
        # (login throttling per address depends on it) and the scheme from X-Forwarded-Proto.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    bind_database(app.config["DATABASE_URL"], app.config.get("DB_POOL_SIZE", 32))
    _init_extensions(app)
    _register_blueprints(app)

    from portal.cli import register_cli
    from portal.errorpages import register_error_handlers
    from portal.fulfilment.cli import pickups_cli
    from portal.notifications.cli import outbox_cli

    register_error_handlers(app)
    register_cli(app)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(pickups_cli)

    @app.get("/favicon.ico")
    def _favicon():  # browsers ask for it on their own, e.g. in the PDF viewer
        return redirect(url_for("static", filename="favicon.svg"), 301)

    @app.before_request
    def _open_connection():
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close_connection(_exc):
        if not db.is_closed():
            db.close()

    return app


def _init_extensions(app: Flask) -> None:
    from portal.auth.login import init_login
    from portal.forms import csrf
    from portal.htmx import htmx
    from portal.i18n import init_i18n
    from portal.ratelimit import init_rate_limits
    from portal.security import init_security
    from portal.templating import init_templating

    htmx.init_app(app)
    csrf.init_app(app)
    init_login(app)
    init_i18n(app)
    init_security(app)
    init_rate_limits(app)
    init_templating(app)


def _register_blueprints(app: Flask) -> None:
    from portal.admin.views import bp as admin_bp
    from portal.api import availability, fulfillments, lockers, orders, shipments  # noqa: F401
    from portal.api import returns as _returns_api  # noqa: F401 - adds the routes
    from portal.api.openapi import bp as api_docs_bp
    from portal.api.tracking import public_bp as public_api_bp
    from portal.api.views import bp as api_bp
    from portal.api.views import health_bp
    from portal.auth.views import bp as auth_bp
    from portal.dashboard.views import bp as dashboard_bp
    from portal.feeds.views import bp as feeds_bp
    from portal.fulfilment.pickup_views import bp as pickups_bp
    from portal.fulfilment.views import bp as fulfilment_bp
    from portal.inventory.import_views import bp as imports_bp
    from portal.inventory.ledger_views import bp as ledger_bp
    from portal.inventory.views import bp as stock_bp
    from portal.jobs.views import bp as jobs_bp
    from portal.locations.views import bp as locations_bp
    from portal.notifications.views import bp as outbox_bp
    from portal.orders.counter_views import bp as counter_bp
    from portal.orders.views import bp as orders_bp
    from portal.orders.views import tracking_bp
    from portal.payments.sandbox import bp as sandbox_bp
    from portal.payments.webhooks import bp as webhooks_bp
    from portal.returns import label_link as _label_link  # noqa: F401 - on tracking_bp
    from portal.returns import routes as _return_routes  # noqa: F401 - adds the routes
    from portal.returns.blueprint import bp as returns_bp
    from portal.sourcing.views import bp as sourcing_bp
    from portal.suppliers.views import bp as suppliers_bp

    for blueprint in (auth_bp, dashboard_bp, counter_bp, orders_bp, tracking_bp, stock_bp,
                      ledger_bp, imports_bp, locations_bp, admin_bp, api_bp, webhooks_bp,
                      sandbox_bp, health_bp, outbox_bp, suppliers_bp, sourcing_bp,
                      fulfilment_bp, pickups_bp, public_api_bp, returns_bp, jobs_bp,
                      feeds_bp, api_docs_bp):
        app.register_blueprint(blueprint)
    from portal.ratelimit import limit_api, limit_public_tracking

    limit_api(api_bp)
    limit_public_tracking(public_api_bp)
    limit_public_tracking(tracking_bp)
    if app.config.get("DEMO"):  # pretend partners under /demo, never in production
        from portal.demo.views import bp as demo_bp
        from portal.marketplace import simulator_views  # noqa: F401 - adds the routes

        app.register_blueprint(demo_bp)
