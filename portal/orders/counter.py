"""Selling at the store counter: a basket becomes a paid order in one transaction.

Two kinds of sale come out of the same screen:

* **in-store sale** — every article is on this store's shelf and the customer takes it
  along: the order (channel ``store``, delivery ``carry_out``) is placed, paid and
  handed over at once, so its units leave the stock as a sale;
* **Order in Store** — some article comes from another store or a warehouse that the
  employee picked: the order (channel ``order_in_store``) is placed with those sources,
  paid, and goes to fulfilment for pickup at this store or delivery to the customer.

Either the whole sale happens or nothing does: a declined payment entry or stock that
vanished meanwhile leaves no order, no reservation and no payment behind.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.db import transaction
from portal.inventory.status import Channel
from portal.orders.basket import Basket, BasketError, basket_view
from portal.orders.handover import hand_over_at_counter
from portal.orders.models import Order
from portal.orders.services import NewOrder, place_order
from portal.orders.status import DeliveryMethod
from portal.payments.services import record_in_store_payment

COUNTER_DELIVERIES = (DeliveryMethod.CARRY_OUT, DeliveryMethod.CLICK_COLLECT,
                      DeliveryMethod.HOME)


@dataclass
class CounterSale:
    """What the employee entered below the basket."""

    delivery: str
    customer_name: str = ""
    customer_email: str = ""
    customer_phone: str = ""
    ship_street: str = ""
    ship_postcode: str = ""
    ship_city: str = ""
    ship_country: str = "DE"
    payment_method: str = "cash"
    payment_reference: str = ""
    language: str = ""  # the customer's, for their e-mails; "" is the portal's default


def checkout(basket: Basket, sale: CounterSale, user) -> Order:
    """Place, pay and (for a carry-out sale) hand over the basket as one order."""
    view = basket_view(basket)
    if not view["rows"]:
        raise BasketError(str(_l("The basket is empty.")))
    if sale.delivery not in COUNTER_DELIVERIES:
        raise BasketError(str(_l("Choose how the customer gets the goods.")),
                          fields={"delivery": str(_l("Choose one"))})
    carry_out = sale.delivery == DeliveryMethod.CARRY_OUT
    if carry_out and not view["all_here"]:
        raise BasketError(str(_l("Articles from other locations cannot be taken along: "
                                 "choose pickup here or home delivery.")),
                          fields={"delivery": str(_l("Not possible for this basket"))})
    name = sale.customer_name.strip() or (str(_l("Walk-in customer")) if carry_out else "")
    request = NewOrder(
        channel=Channel.STORE if carry_out else Channel.ORDER_IN_STORE,
        customer_name=name, customer_email=sale.customer_email,
        customer_phone=sale.customer_phone, delivery_method=sale.delivery,
        ship_name=name if sale.delivery == DeliveryMethod.HOME else "",
        ship_street=sale.ship_street, ship_postcode=sale.ship_postcode,
        ship_city=sale.ship_city, ship_country=sale.ship_country.strip().upper(),
        pickup_location=basket.store if sale.delivery == DeliveryMethod.CLICK_COLLECT else "",
        store=basket.store,
        lines=[{"sku": row.line.sku, "quantity": row.line.quantity} for row in view["rows"]],
        sources={row.line.sku: row.line.source for row in view["rows"]},
        language=sale.language.strip())
    with transaction():
        order = place_order(request, user)
        record_in_store_payment(order, sale.payment_method, sale.payment_reference, user)
        if carry_out:
            hand_over_at_counter(order, user)
    return order
