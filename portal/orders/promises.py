"""Units promised from incoming deliveries: reserved against the delivery (never above
what it brings), turned into shelf reservations when it is booked in, given back when
the order lets go of them.

Promising uses the same conditional-UPDATE pattern as shelf stock:
``promised = promised + n WHERE quantity - promised >= n``, so two orders can never be
promised the same units of one delivery.
"""

from __future__ import annotations

from collections import defaultdict

from flask_babel import lazy_gettext as _l

from portal.inventory.errors import InsufficientStock
from portal.inventory.models import IncomingStock
from portal.inventory.services import Change, apply_changes
from portal.inventory.status import IncomingStatus, MovementKind
from portal.orders.allocation import Allocation
from portal.orders.models import OrderLine, Reservation
from portal.orders.status import ReservationStatus


def tie_to_lines(plan: list[Allocation], open_units: dict[int, tuple[int, int]]
                 ) -> list[tuple[int, Allocation, int]]:
    """(line id, allocation, units) rows that hand each allocation's units to the lines
    of its product still missing units (``open_units``: line id → (product id, units))."""
    left_per_line = {line_id: units for line_id, (_product, units) in open_units.items()}
    rows = []
    for allocation in plan:
        left = allocation.quantity
        for line_id in sorted(open_units):
            if open_units[line_id][0] != allocation.product_id or not left:
                continue
            take = min(left, left_per_line[line_id])
            if take:
                rows.append((line_id, allocation, take))
                left_per_line[line_id] -= take
                left -= take
    return rows


def promise(plan: list[Allocation], open_units: dict[int, tuple[int, int]],
            created_at=None) -> None:
    """Promise the plan's incoming allocations to the lines (inside the caller's
    transaction); InsufficientStock when another order got the units first."""
    promised = [a for a in plan if a.incoming_id is not None]
    for allocation in sorted(promised, key=lambda a: a.incoming_id):
        taken = (IncomingStock
                 .update(promised=IncomingStock.promised + allocation.quantity)
                 .where(IncomingStock.id == allocation.incoming_id,
                        IncomingStock.status == IncomingStatus.OPEN,
                        IncomingStock.quantity - IncomingStock.promised >= allocation.quantity)
                 .execute())
        if taken != 1:
            raise InsufficientStock(str(_l("The incoming delivery was promised meanwhile.")))
    rows = [{"line": line_id, "location": a.location_id, "quantity": units,
             "status": ReservationStatus.PROMISED, "incoming": a.incoming_id,
             **({"created_at": created_at} if created_at else {})}
            for line_id, a, units in tie_to_lines(promised, open_units)]
    if rows:
        Reservation.insert_many(rows).execute()


def release_promises(reservations: list[Reservation]) -> None:
    """Give promised units back to their deliveries (inside the caller's transaction)."""
    per_delivery: dict[int, int] = defaultdict(int)
    for reservation in reservations:
        if reservation.incoming_id is not None:
            per_delivery[reservation.incoming_id] += reservation.quantity
    for incoming_id, units in per_delivery.items():
        (IncomingStock.update(promised=IncomingStock.promised - units)
         .where(IncomingStock.id == incoming_id).execute())
    (Reservation.update(status=ReservationStatus.RELEASED)
     .where(Reservation.id.in_([r.id for r in reservations])).execute())


def keep_promises(incoming: IncomingStock, received: int, user=None) -> int:
    """A delivery was booked in: its promises, oldest first and up to ``received`` units,
    become shelf reservations at its location. Called by the inventory's receipt inside
    its transaction; returns the units converted."""
    waiting = list(Reservation.select(Reservation, OrderLine).join(OrderLine)
                   .where(Reservation.incoming == incoming.id,
                          Reservation.status == ReservationStatus.PROMISED)
                   .order_by(Reservation.id))
    left, converted = received, 0
    for reservation in waiting:
        if not left:
            break
        take = min(left, reservation.quantity)
        if take == reservation.quantity:
            (Reservation.update(status=ReservationStatus.ACTIVE)
             .where(Reservation.id == reservation.id).execute())
        else:  # part of the promise arrived: that part is on the shelf now
            (Reservation.update(quantity=reservation.quantity - take)
             .where(Reservation.id == reservation.id).execute())
            Reservation.create(line=reservation.line_id, location=reservation.location_id,
                               quantity=take, status=ReservationStatus.ACTIVE,
                               incoming=incoming.id)
        left -= take
        converted += take
    if converted:
        (IncomingStock.update(promised=IncomingStock.promised - converted)
         .where(IncomingStock.id == incoming.id).execute())
        apply_changes([Change(incoming.product_id, incoming.location_id,
                              MovementKind.RESERVATION, reserved=converted,
                              need_available=converted, reference=f"incoming #{incoming.id}",
                              reason="promised units arrived")], user)
    return converted
