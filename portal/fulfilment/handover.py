"""Handing a Click & Collect order to the customer at the pickup store.

``collect`` checks the pickup code the customer shows. A wrong code changes nothing but
the count of wrong tries (committed, so guessing is limited even across requests) and
an entry on the order's timeline; after ``PICKUP_MAX_ATTEMPTS`` the order is locked
until staff send a new code. The right code takes the store's own units off the shelf
(its fulfilments become ``collected``) and moves the order to ``collected``, in one
transaction.

A customer without an e-mail address never got a code (an order taken at a counter may
have none): the clerk checks the customer's ID against the order's name instead and
confirms that (``id_checked``); the timeline says so.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.db import transaction
from portal.errors import DomainError
from portal.fulfilment.models import FulfillmentOrder
from portal.fulfilment.pickup import code_matches, max_attempts
from portal.fulfilment.services import advance
from portal.fulfilment.status import FulfillmentStatus
from portal.locations.models import Location
from portal.notifications.mail import valid_recipient
from portal.orders.models import Order
from portal.orders.services import note_event, transition_order
from portal.orders.status import DeliveryMethod, OrderStatus


class PickupRefused(DomainError):
    """The order cannot be handed over: wrong code, locked, not ready, another store."""

    code = "pickup_refused"
    status = 422


def has_code(order: Order) -> bool:
    """The customer was e-mailed a pickup code (they have an address to send it to)."""
    return valid_recipient((order.customer_email or "").strip())


def collect(order: Order, location: Location, code: str, actor, id_checked: bool = False
            ) -> Order:
    """Hand ``order`` over at ``location`` after checking ``code``, or, for a customer
    who has none, the clerk's ``id_checked`` (see the module docstring); raise
    PickupRefused saying why not."""
    order = Order.get_by_id(order.id)
    _check_ready(order, location)
    if not has_code(order):
        if not id_checked:
            raise PickupRefused(str(_l(
                "%(number)s has no pickup code (no e-mail address). Check that the customer's "
                "ID shows %(name)s and confirm it.", number=order.number,
                name=order.customer_name)), fields={"id_checked": str(_l("Confirm the ID."))})
        return _hand_over(order, location, actor, str(_l(
            "handed over at %(store)s after an ID check", store=location.code)))
    if order.pickup_attempts >= max_attempts():
        raise PickupRefused(str(_l(
            "Too many wrong codes for %(number)s. Check the customer's ID and send a new "
            "code.", number=order.number)), fields={"code": str(_l("Locked."))})
    if not code_matches(order, code):
        _count_wrong_try(order, actor)
        left = max(max_attempts() - order.pickup_attempts - 1, 0)
        raise PickupRefused(str(_l("Wrong pickup code for %(number)s. %(left)s tries left.",
                                   number=order.number, left=left)),
                            fields={"code": str(_l("Wrong code."))})
    return _hand_over(order, location, actor,
                      str(_l("handed over at %(store)s", store=location.code)))


def _hand_over(order: Order, location: Location, actor, note: str) -> Order:
    with transaction():
        parts = (FulfillmentOrder.select()
                 .where(FulfillmentOrder.order == order.id,
                        FulfillmentOrder.location == location.id,
                        FulfillmentOrder.status == FulfillmentStatus.READY_FOR_PICKUP))
        for part in parts:
            advance(part, "collected", actor, trusted=True)
        transition_order(Order.get_by_id(order.id), OrderStatus.COLLECTED, actor, note)
    return Order.get_by_id(order.id)


def _check_ready(order: Order, location: Location) -> None:
    if order.delivery_method != DeliveryMethod.CLICK_COLLECT:
        raise PickupRefused(str(_l("%(number)s is not a Click & Collect order.",
                                   number=order.number)))
    if order.pickup_location_id != location.id:
        raise PickupRefused(str(_l("%(number)s is collected at another store.",
                                   number=order.number)))
    if order.status != OrderStatus.READY_FOR_PICKUP:
        raise PickupRefused(str(_l("%(number)s is not ready for pickup.", number=order.number)))


def _count_wrong_try(order: Order, actor) -> None:
    with transaction():
        (Order.update(pickup_attempts=Order.pickup_attempts + 1)
         .where(Order.id == order.id).execute())
        note_event(order, "pickup_refused", actor)
