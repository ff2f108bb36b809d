"""Command-line tools: ``flask --app portal db upgrade``, ``create-api-key``, ``demo load``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from portal.auth.roles import ApiScope, Role

db_cli = AppGroup("db", help="Database schema migrations.")
demo_cli = AppGroup("demo", help="Demo data for a new installation.")
stock_cli = AppGroup("stock", help="Stock levels and their ledger.")
orders_cli = AppGroup("orders", help="Orders.")


@db_cli.command("upgrade")
def db_upgrade():
    """Apply all pending migrations."""
    from portal.db import upgrade_database

    applied = upgrade_database()
    click.echo(f"Applied {len(applied)} migration(s): {', '.join(applied)}" if applied
               else "Database is up to date.")


@db_cli.command("status")
def db_status():
    """List applied and pending migrations."""
    from portal.db import migration_router

    router = migration_router()
    for name in router.done:
        click.echo(f"applied  {name}")
    for name in router.diff:
        click.echo(f"pending  {name}")


@click.command("create-api-key")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, type=click.Choice([s.value for s in ApiScope]),
              help="Repeat for several scopes; default: all scopes.")
def create_api_key_command(name: str, scopes: tuple[str, ...]):
    """Create an API key NAME and print the key alone on the last line."""
    from portal.auth.services import create_api_key

    key, plain = create_api_key(name, list(scopes) or [s.value for s in ApiScope])
    click.echo(f"API key '{key.name}' with scopes: {key.scopes}", err=True)
    click.echo(plain)


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--store", "store_code", default=None, help="Home store code for employees.")
@click.password_option()
def create_user_command(email: str, name: str, role: str, store_code: str | None, password: str):
    """Create a portal user."""
    from portal.auth.errors import UserInvalid
    from portal.auth.services import create_user
    from portal.locations.models import Location

    store = Location.get_or_none(Location.code == store_code.upper()) if store_code else None
    try:
        user = create_user(email=email, name=name, password=password, role=role, home_store=store)
    except UserInvalid as error:
        raise click.ClickException(f"{error.message} {error.fields}") from error
    click.echo(f"Created {user.role} {user.email}")


@demo_cli.command("load")
@click.option("--products", default=2000, show_default=True)
def demo_load(products: int):
    """Load the demo retailer once (does nothing when it is already there)."""
    from portal.demo.loader import load_demo

    result = load_demo(product_count=products)
    click.echo(result)


@stock_cli.command("check")
def stock_check():
    """Compare every stock level with its ledger; exit 1 on any difference."""
    from portal.inventory.ledger import check_levels

    differences = check_levels()
    for diff in differences[:200]:
        click.echo(diff.describe())
    if differences:
        click.echo(f"{len(differences)} stock level(s) differ from the ledger. "
                   "Run 'flask --app portal stock rebuild' to repair.", err=True)
        raise SystemExit(1)
    click.echo("Stock levels match the ledger.")


@stock_cli.command("rebuild")
def stock_rebuild():
    """Repair stock levels from the ledger."""
    from portal.inventory.ledger import rebuild_levels

    click.echo(f"Rebuilt {rebuild_levels()} stock level(s) from the ledger.")


@orders_cli.command("expire")
def orders_expire():
    """Cancel unpaid orders whose reservation time is over and release their stock."""
    from portal.payments.expiry import expire_unpaid_orders

    click.echo(f"Cancelled {expire_unpaid_orders()} unpaid order(s).")


def register_cli(app: Flask) -> None:
    for command in (db_cli, demo_cli, stock_cli, orders_cli, create_api_key_command,
                    create_user_command):
        app.cli.add_command(command)
