"""A location cannot fulfil its part of an order (a store clerk's "cannot fulfil", a
WMS rejection): its reservations are released and the published rules source the
units again, excluding every location that rejected this order before. When no rule
can, the order is marked as needing attention (it stays paid and visible in the
queue) instead of failing or waiting silently.
"""

from __future__ import annotations

from collections import defaultdict

from flask_babel import lazy_gettext as _l

from portal.audit.services import actor_label
from portal.db import transaction
from portal.errors import DomainError
from portal.fulfilment.opening import WORKING, open_fulfilments
from portal.inventory.errors import InsufficientStock
from portal.inventory.services import Change, apply_changes
from portal.inventory.status import MovementKind
from portal.locations.models import Location
from portal.orders.models import Order, OrderEvent, OrderLine, Reservation
from portal.orders.promises import promise, release_promises, tie_to_lines
from portal.orders.status import HOLDS_STOCK, ReservationStatus
from portal.sourcing.facts import facts_for_order
from portal.sourcing.services import record_decision, source

REJECTED = "fulfilment_rejected"
ATTEMPTS = 4


class CannotReject(DomainError):
    status = 409


def rejected_locations(order: Order) -> set[str]:
    """Codes of the locations that rejected this order before."""
    return {event.note.split(":", 1)[0] for event in
            OrderEvent.select(OrderEvent.note).where(OrderEvent.order == order,
                                                     OrderEvent.kind == REJECTED)}


def reject_fulfilment(order: Order, location: Location, actor, reason: str = "") -> Order:
    """Release what ``location`` holds for ``order`` and source it again elsewhere."""
    order = Order.get_by_id(order.id)
    if order.status not in HOLDS_STOCK:
        raise CannotReject(str(_l("Order %(number)s no longer waits for stock.",
                                  number=order.number)))
    reason = reason.strip()[:160]
    for _attempt in range(ATTEMPTS):
        try:
            with transaction():
                return _reject(order, location, actor, reason)
        except InsufficientStock:
            continue  # the new plan lost a race: plan again on fresh stock
    raise CannotReject(str(_l("Stock kept changing while re-sourcing; try again.")))


def _reject(order: Order, location: Location, actor, reason: str) -> Order:
    held = list(Reservation.select(Reservation, OrderLine).join(OrderLine)
                .where(OrderLine.order == order, Reservation.location == location,
                       Reservation.status.in_([ReservationStatus.ACTIVE,
                                               ReservationStatus.PROMISED]))
                .order_by(Reservation.id))
    if not held:
        raise CannotReject(str(_l("%(location)s holds nothing for order %(number)s.",
                                  location=location.code, number=order.number)))
    active = [r for r in held if r.status == ReservationStatus.ACTIVE]
    released = (Reservation.update(status=ReservationStatus.RELEASED)
                .where(Reservation.id.in_([r.id for r in active]),
                       Reservation.status == ReservationStatus.ACTIVE).execute())
    if released != len(active):
        raise CannotReject(str(_l("The order changed meanwhile; reload it.")))
    apply_changes([Change(r.line.product_id, r.location_id, MovementKind.RELEASE,
                          reserved=-r.quantity, reference=order.number) for r in active],
                  actor)
    release_promises([r for r in held if r.status == ReservationStatus.PROMISED])
    OrderEvent.create(order=order, kind=REJECTED, actor=actor_label(actor),
                      note=f"{location.code}: {reason}" if reason else location.code)
    return _source_open_units(order, actor, f"rejected by {location.code}",
                              str(_l("No rule can source the units %(location)s rejected.",
                                     location=location.code)))


def source_again(order: Order, actor) -> Order:
    """Run the published rules again for every unit of the order that no location holds
    (an order in the "needs attention" queue, e.g. after the rules were changed)."""
    order = Order.get_by_id(order.id)
    if order.status not in HOLDS_STOCK:
        raise CannotReject(str(_l("Order %(number)s no longer waits for stock.",
                                  number=order.number)))
    for _attempt in range(ATTEMPTS):
        try:
            with transaction():
                if not _open_units(order):
                    raise CannotReject(str(_l("Every unit of order %(number)s is placed.",
                                              number=order.number)))
                return _source_open_units(order, actor, "sourced again",
                                          str(_l("No sourcing rule can fulfil this order.")))
        except InsufficientStock:
            continue
    raise CannotReject(str(_l("Stock kept changing while re-sourcing; try again.")))


def _open_units(order: Order) -> dict[int, tuple[int, int]]:
    """Order line id → (product id, units no reservation covers: held, promised, or
    already shipped / handed over by a fulfilment)."""
    lines = {line.id: [line.product_id, line.quantity] for line in
             OrderLine.select().where(OrderLine.order == order)}
    for line_id, quantity in (Reservation.select(Reservation.line, Reservation.quantity)
                              .where(Reservation.line.in_(list(lines)),
                                     Reservation.status.in_([ReservationStatus.ACTIVE,
                                                             ReservationStatus.PROMISED,
                                                             ReservationStatus.SHIPPED,
                                                             ReservationStatus.HANDED_OVER]))
                              .tuples()):
        lines[line_id][1] -= quantity
    return {line_id: (product, left) for line_id, (product, left) in lines.items() if left}


def _source_open_units(order: Order, actor, reason: str, failure: str) -> Order:
    """Source what no location holds, excluding every location that rejected the order;
    mark the order for attention when no rule can (inside the caller's transaction)."""
    open_units = _open_units(order)
    missing: dict[int, int] = defaultdict(int)
    for product_id, units in open_units.values():
        missing[product_id] += units
    excluded = rejected_locations(order)
    exclude = frozenset(location_id for (location_id,) in Location.select(Location.id)
                        .where(Location.code.in_(sorted(excluded))).tuples())
    result = source(facts_for_order(order, dict(missing), exclude))
    record_decision(order, result, reason=reason[:40])
    if result.plan is None:
        Order.update(attention=failure[:200]).where(Order.id == order.id).execute()
        OrderEvent.create(order=order, kind="needs_attention", actor=actor_label(actor),
                          note=failure)
        return Order.get_by_id(order.id)
    _reserve_open_units(order, open_units, result.plan, actor)
    if order.status in WORKING:  # paid: the new locations get their work
        open_fulfilments(order)
    Order.update(attention="").where(Order.id == order.id).execute()
    codes = sorted({Location.get_by_id(a.location_id).code for a in result.plan})
    OrderEvent.create(order=order, kind="resourced", actor=actor_label(actor),
                      note=f"{result.rule_name}: {', '.join(codes)}")
    return Order.get_by_id(order.id)


def _reserve_open_units(order: Order, open_units: dict[int, tuple[int, int]], plan,
                        actor) -> None:
    """Reserve the plan (shelf units, and promises of incoming ones) for the lines that
    miss units."""
    shelf = [a for a in plan if a.incoming_id is None]
    apply_changes([Change(a.product_id, a.location_id, MovementKind.RESERVATION,
                          reserved=a.quantity, need_available=a.quantity + a.buffer,
                          reference=order.number) for a in shelf], actor)
    rows = [{"line": line_id, "location": a.location_id, "quantity": units}
            for line_id, a, units in tie_to_lines(shelf, open_units)]
    if rows:
        Reservation.insert_many(rows).execute()
    left = dict(open_units)
    for line_id, _allocation, units in tie_to_lines(shelf, open_units):
        product, missing = left[line_id]
        left[line_id] = (product, missing - units)
    promise(plan, {k: v for k, v in left.items() if v[1]})
