"""Which customer e-mails exist, which order status sends which, and how they render.

A new message is one template pair, ``templates/notifications/mail/<name>.txt`` (and
optionally ``.html``), plus one entry in ``STATUS_MESSAGES``. Every order message gets
the same context (``order_context``), rendered in the order's language (its customer's;
the portal's default for orders from before it was recorded): subject, texts, amounts
and dates alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from jinja2 import TemplateNotFound

from portal.inventory.models import Product
from portal.orders.labels import DELIVERY_LABELS
from portal.orders.models import Order, OrderLine
from portal.orders.status import OrderStatus

TEMPLATES = "notifications/mail"


@dataclass(frozen=True)
class MessageKind:
    name: str       # the template pair's name and the ``kind`` column
    subject: object  # lazy text with ``%(number)s``, the order number
    label: object   # what the outbox screen calls it


# The order status that sends each message.
STATUS_MESSAGES: dict[str, MessageKind] = {
    OrderStatus.CONFIRMED: MessageKind(
        "order_confirmed", _l("Your order %(number)s is confirmed"), _l("Order confirmed")),
    OrderStatus.CANCELLED: MessageKind(
        "order_cancelled", _l("Your order %(number)s has been cancelled"),
        _l("Order cancelled")),
}
# Messages of one event rather than a status: each parcel that leaves or arrives, and
# the pickup code (queued by shipping and fulfilment with the details in ``extra``).
PICKUP_READY = MessageKind("pickup_ready", _l("Your order %(number)s is ready for pickup"),
                           _l("Ready for pickup"))
SHIPMENT_SENT = MessageKind("shipment_sent", _l("Your order %(number)s is on its way"),
                            _l("Parcel shipped"))
SHIPMENT_DELIVERED = MessageKind("shipment_delivered",
                                 _l("Your parcel of order %(number)s has arrived"),
                                 _l("Parcel delivered"))
# A return registered (label link, where to drop it off) and its money refunded; queued
# by ``portal/returns/notify.py`` with the RMA as ``ref``.
RETURN_REGISTERED = MessageKind("return_registered",
                                _l("Your return for order %(number)s is registered"),
                                _l("Return registered"))
RETURN_REFUNDED = MessageKind("return_refunded",
                              _l("We have refunded your return of order %(number)s"),
                              _l("Return refunded"))
KINDS = {kind.name: kind for kind in (*STATUS_MESSAGES.values(), PICKUP_READY, SHIPMENT_SENT,
                                      SHIPMENT_DELIVERED, RETURN_REGISTERED, RETURN_REFUNDED)}

# Reasons the system itself gives (orders and payments services), said to the customer in
# their words; a clerk's reason is passed on as typed.
SYSTEM_REASONS = {
    "payment not received in time": _l("We did not receive the payment in time."),
    "payment could not be started": _l("The payment could not be started."),
    "not collected in time": _l("The order was not collected within the pickup period."),
}


def public_url(endpoint: str, **values) -> str:
    """An absolute link for a customer, always on ``PUBLIC_URL``: an e-mail must not
    carry whatever host name the request that caused it came in on."""
    base = urlsplit(current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000")
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def _place(location) -> str:
    """"Berlin Mitte, Unter den Linden 1, 10117 Berlin" from the parts that are set."""
    town = " ".join(part for part in (location.postcode, location.city) if part)
    return ", ".join(part for part in (location.name, location.street, town) if part)


def order_context(order: Order, note: str = "") -> dict:
    """What every order message may show; only what the customer gave us, plus the
    order's lines, total, delivery and public tracking link."""
    lines = (OrderLine.select(OrderLine, Product).join(Product)
             .where(OrderLine.order == order.id).order_by(OrderLine.line_no))
    pickup = order.pickup_location if order.pickup_location_id else None
    reason = note.strip()
    return {
        "order": order,
        "number": order.number,
        "customer_name": order.customer_name,
        "lines": [{"name": line.product.name, "sku": line.product.sku,
                   "quantity": line.quantity, "unit_price": line.unit_price,
                   "amount": line.unit_price * line.quantity} for line in lines],
        "total": order.total,
        "currency": order.currency,
        "delivery": str(DELIVERY_LABELS.get(order.delivery_method, order.delivery_method)),
        "pickup": pickup,
        "pickup_address": _place(pickup) if pickup else "",
        "tracking_url": public_url("tracking.track", token=order.tracking_token),
        "reason": str(SYSTEM_REASONS[reason]) if reason in SYSTEM_REASONS else reason,
        "shop_name": parseaddr(current_app.config.get("MAIL_FROM", ""))[0],
    }


def render_order_message(order: Order, kind: MessageKind, language: str,
                         note: str = "", extra: dict | None = None
                         ) -> tuple[str, str, str | None]:
    """Subject, text body and HTML body (None without an .html template) in ``language``;
    ``extra`` adds the event's details (a pickup code, a shipment) to the context."""
    environment = current_app.jinja_env
    with force_locale(language):
        context = order_context(order, note)
        subject = str(kind.subject) % {"number": order.number}
        context.update(extra or {}, subject=subject, language=language)
        text = environment.get_template(f"{TEMPLATES}/{kind.name}.txt").render(context)
        try:
            html_template = environment.get_template(f"{TEMPLATES}/{kind.name}.html")
        except TemplateNotFound:
            html = None
        else:
            html = html_template.render(context)
    # Text templates stay readable with blank lines around their blocks; the e-mail
    # gets at most one blank line in a row and no trailing spaces.
    text = re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+\n", "\n", text)).strip() + "\n"
    return subject, text, html
