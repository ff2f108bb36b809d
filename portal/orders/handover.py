"""Handing goods over at the counter: the reserved units leave the store's stock as a
sale and the order is collected, in one transaction."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.db import transaction
from portal.inventory.services import Change, apply_changes
from portal.inventory.status import MovementKind
from portal.orders.errors import IllegalTransition
from portal.orders.models import Order, OrderLine, Reservation
from portal.orders.services import transition_order
from portal.orders.status import DeliveryMethod, OrderStatus, ReservationStatus


def hand_over_at_counter(order: Order, actor=None) -> Order:
    """A paid carry-out sale: take its units off the shelf and mark it collected."""
    order = Order.get_by_id(order.id)  # the payment moved it to confirmed meanwhile
    if order.delivery_method != DeliveryMethod.CARRY_OUT or order.status != OrderStatus.CONFIRMED:
        raise IllegalTransition(str(_l("Only a paid sale to take along can be handed over.")))
    with transaction():
        held = list(Reservation.select(Reservation, OrderLine).join(OrderLine)
                    .where(OrderLine.order == order,
                           Reservation.status == ReservationStatus.ACTIVE)
                    .order_by(Reservation.id))
        taken = (Reservation.update(status=ReservationStatus.HANDED_OVER)
                 .where(Reservation.id.in_([r.id for r in held]),
                        Reservation.status == ReservationStatus.ACTIVE).execute())
        if not held or taken != len(held):
            raise IllegalTransition(str(_l("The order changed meanwhile; reload it.")))
        apply_changes([Change(r.line.product_id, r.location_id, MovementKind.SALE,
                              on_hand=-r.quantity, reserved=-r.quantity,
                              reference=order.number) for r in held], actor)
        transition_order(order, OrderStatus.COLLECTED, actor,
                         str(_l("handed over at the counter")))
    return order
