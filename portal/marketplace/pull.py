"""Pulling new marketplace orders and placing them through the order service.

The marketplace lists its orders created at or after ``since`` (ISO 8601, UTC), oldest
first, a page at a time::

    GET {MARKETPLACE_URL}/orders?since=2026-03-01T10:15:00Z&page=1
    {"orders": [<order>, ...], "next_page": 2}          (null on the last page)

    <order> = {
      "id": "MP-17",                                   the marketplace's id, 1-64 chars
      "created_at": "2026-03-01T10:15:00Z",
      "buyer": {"name": "Erika Mustermann", "email": "", "phone": "",   e-mail, phone optional
                "language": "de-DE"},                  optional, see below
      "shipping_address": {"name": "Erika Mustermann", "street": "Unter den Linden 1",
                           "postcode": "10117", "city": "Berlin", "country": "DE"},
      "lines": [{"sku": "SNK-10001", "quantity": 1, "unit_price": "49.99"}]
    }

Each becomes ``NewOrder(channel="marketplace", delivery_method="home", ...)`` with
``external_ref`` = its id (``shipping_address.name`` defaults to the buyer's name;
``unit_price`` is optional and, when given, must be our price; ``buyer.language``, a
language tag such as ``de``, ``de-DE`` or ``en_GB``, becomes the order's language when
the portal speaks it, else the order speaks the portal's default). The marketplace took
the buyer's money, so the order is confirmed at once by a ``marketplace`` payment
(``record_marketplace_payment``) in the same transaction as ``place_order``.

Idempotent: an id already taken is skipped, and two pulls placing the same order at
once meet at the unique index on ``(channel, external_ref)``: the loser rolls back
and skips it. An order that cannot be placed (unknown SKU, no stock, bad shape) is
reported with its id and the others go on; the bookmark then stays at the oldest such
order's time, so the next run tries it again (those already placed are skipped).
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from datetime import UTC, datetime

import peewee as pw
from flask_babel import lazy_gettext as _l

from portal.db import transaction
from portal.errors import DomainError
from portal.i18n import languages
from portal.inventory.status import Channel
from portal.jobs.context import JobContext
from portal.marketplace.client import MarketplaceClient, MarketplaceError, client_from_config
from portal.marketplace.sync import advance_pull, sync_state
from portal.orders.models import Order
from portal.orders.services import MAX_LINES, NewOrder, place_order
from portal.orders.status import DeliveryMethod
from portal.payments.services import record_marketplace_payment

ACTOR = "marketplace"
MAX_PAGES = 1000
ORDER_ID = re.compile(r"\S{1,64}")


class BadMarketplaceOrder(DomainError):
    """A marketplace order whose shape we cannot read; ``fields`` names the parts."""


def pull(ctx: JobContext, client: MarketplaceClient | None = None) -> None:
    """Place every new marketplace order (the job)."""
    since = sync_state().pulled_since
    newest = oldest_failed = None
    with nullcontext(client) if client else client_from_config() as api:
        page = 1
        while page:
            body = api.orders(since, page)
            for raw in body["orders"]:
                ctx.read()
                created = _created_at(raw)
                try:
                    if take_order(raw) is not None:
                        ctx.changed()
                except DomainError as error:
                    ctx.error(f"{_order_id(raw)}: {describe(error)}")
                    if created is not None:
                        oldest_failed = min(oldest_failed or created, created)
                if created is not None:
                    newest = max(newest or created, created)
            page = _next_page(body, page)
            ctx.progress(ctx.rows_read, None, str(_l("Orders read")))
    advance_pull(oldest_failed or newest)


def take_order(raw) -> Order | None:
    """Place and confirm one marketplace order; None when it was taken before. Raises
    a DomainError when it cannot be placed."""
    request = new_order_from_marketplace(raw)
    if _taken(request.external_ref):
        return None
    try:
        with transaction():
            order = place_order(request, ACTOR)
            record_marketplace_payment(order, request.external_ref, ACTOR)
    except pw.IntegrityError:
        if _taken(request.external_ref):
            return None  # a pull running at the same time placed it first
        raise
    return order


def _taken(reference: str) -> bool:
    return Order.select().where(Order.channel == Channel.MARKETPLACE,
                                Order.external_ref == reference).exists()


def new_order_from_marketplace(raw) -> NewOrder:
    """The marketplace's order as a NewOrder, or BadMarketplaceOrder naming bad parts."""
    if not isinstance(raw, dict):
        raise BadMarketplaceOrder(str(_l("The order is not an object.")))
    errors: dict[str, str] = {}
    reference = raw.get("id")
    if not isinstance(reference, str) or not ORDER_ID.fullmatch(reference):
        errors["id"] = str(_l("1 to 64 characters without spaces."))
    if _created_at(raw) is None:
        errors["created_at"] = str(_l("A time in ISO 8601, e.g. 2026-03-01T10:15:00Z."))
    buyer, address = _object(raw, "buyer", errors), _object(raw, "shipping_address", errors)
    name = _text(buyer, "name", 120, errors, "buyer.name")
    order = NewOrder(
        channel=Channel.MARKETPLACE, delivery_method=DeliveryMethod.HOME,
        external_ref=reference if isinstance(reference, str) else "",
        customer_name=name, customer_email=_text(buyer, "email", 160, errors, "buyer.email"),
        customer_phone=_text(buyer, "phone", 40, errors, "buyer.phone"),
        ship_name=_text(address, "name", 120, errors, "shipping_address.name") or name,
        ship_street=_text(address, "street", 160, errors, "shipping_address.street"),
        ship_postcode=_text(address, "postcode", 16, errors, "shipping_address.postcode"),
        ship_city=_text(address, "city", 80, errors, "shipping_address.city"),
        ship_country=_text(address, "country", 2, errors, "shipping_address.country").upper(),
        lines=_lines(raw.get("lines"), errors), language=_language(buyer))
    if errors:
        raise BadMarketplaceOrder(str(_l("The order is not valid.")), fields=errors)
    return order


def _language(buyer: dict) -> str:
    """The buyer's language when the marketplace names one the portal speaks, else ""
    (the portal's default): a language we cannot write in must not stop the sale."""
    value = buyer.get("language")
    if not isinstance(value, str):
        return ""
    primary = value.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in languages() else ""


def _object(raw: dict, key: str, errors: dict) -> dict:
    value = raw.get(key)
    if not isinstance(value, dict):
        errors[key] = str(_l("Missing or not an object."))
        return {}
    return value


def _text(source: dict, key: str, limit: int, errors: dict, field: str) -> str:
    value = source.get(key)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        errors[field] = str(_l("Text of at most %(n)s characters.", n=limit))
        return ""
    return value.strip()


def _lines(lines, errors: dict) -> list[dict]:
    if not isinstance(lines, list) or not 1 <= len(lines) <= MAX_LINES:
        errors["lines"] = str(_l("An order has 1 to %(n)s lines.", n=MAX_LINES))
        return []
    made = []
    for index, line in enumerate(lines):
        if not isinstance(line, dict) or not isinstance(line.get("sku"), str):
            errors[f"lines.{index}"] = str(_l("A line needs a sku and a quantity."))
            continue
        made.append({"sku": line["sku"], "quantity": line.get("quantity")}
                    | ({"unit_price": line["unit_price"]} if "unit_price" in line else {}))
    return made


def _created_at(raw) -> datetime | None:
    """The order's creation time as naive UTC, or None when it is missing or unreadable."""
    value = raw.get("created_at") if isinstance(raw, dict) else None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _order_id(raw) -> str:
    reference = raw.get("id") if isinstance(raw, dict) else None
    return reference[:64] if isinstance(reference, str) and reference else "?"


def _next_page(body: dict, page: int) -> int | None:
    following = body.get("next_page")
    if following is None:
        return None
    if not isinstance(following, int) or isinstance(following, bool) or following <= page \
            or following > MAX_PAGES:
        raise MarketplaceError(f"GET orders: next_page {following!r} after page {page}.")
    return following


def describe(error: DomainError) -> str:
    """The error's message with each field's complaint."""
    details = "; ".join(f"{field}: {message}" for field, message in error.fields.items())
    return f"{error.message} ({details})" if details else error.message
