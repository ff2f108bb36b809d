"""The facts the rules look at, read from an order that already exists (re-sourcing
after a rejection, simulating a draft on past orders). ``orders.services.order_facts``
does the same for an order being placed."""

from __future__ import annotations

from collections import defaultdict

from portal.inventory.models import Product
from portal.orders.models import Order, OrderLine
from portal.orders.status import DeliveryMethod
from portal.sourcing.engine import OrderFacts


def facts_from(order: Order, lines: list[tuple[Product, int]], origin,
               wanted: dict[int, int] | None = None,
               exclude: frozenset[int] = frozenset()) -> OrderFacts:
    """Facts of ``order`` from its (product, units) lines and its pickup store or store
    of sale; ``wanted`` (product id → units) defaults to all its lines."""
    if wanted is None:
        wanted = defaultdict(int)
        for product, quantity in lines:
            wanted[product.id] += quantity
        wanted = dict(wanted)
    delivered = order.delivery_method in (DeliveryMethod.HOME, DeliveryMethod.LOCKER)
    return OrderFacts(
        channel=order.channel, delivery_method=order.delivery_method,
        country=order.ship_country if delivered or origin is None else origin.country,
        postcode=(order.ship_postcode or "").strip(),
        value=order.total - (order.shipping_fee or 0), wanted=wanted,  # the goods, as placed
        tags={tag for product, _q in lines for tag in product.tag_list},
        categories={product.category for product, _q in lines if product.category},
        origin=origin, exclude=exclude, customer_group=order.customer_group)


def facts_for_order(order: Order, wanted: dict[int, int] | None = None,
                    exclude: frozenset[int] = frozenset()) -> OrderFacts:
    """Facts of one stored order, read from the database."""
    lines = [(line.product, line.quantity) for line in
             OrderLine.select(OrderLine, Product).join(Product).where(OrderLine.order == order)]
    return facts_from(order, lines, order.pickup_location or order.store, wanted, exclude)
