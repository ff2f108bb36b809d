"""Read models and permissions of the transfer screens and the work queue's panel.

Scope: a store employee sees the transfers from or to their store; logistics staff,
managers and admins see all. Who may act (``inventory.permissions.can_receive_at``:
employees in their store, logistics at warehouses, managers and admins anywhere):
*shipped* by the source's staff, *received* by the target's staff, *cancel* by managers
and admins, or by the source's staff. Whether the transfer's state allows the step is the
service's to say (``transfers.TransferRefused``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.auth.roles import Role
from portal.inventory.models import Product
from portal.inventory.permissions import can_receive_at
from portal.inventory.status import IncomingSource
from portal.locations.models import Location
from portal.returns.models import TransferLine, TransferOrder
from portal.returns.status import TransferStatus

Source = Location.alias("source")
Target = Location.alias("target")


def visible_transfers(user):
    """The transfers ``user`` may see, with both locations joined, newest first."""
    query = (TransferOrder.select(TransferOrder, Source, Target)
             .join(Source, on=(TransferOrder.from_location == Source.id))
             .switch(TransferOrder)
             .join(Target, on=(TransferOrder.to_location == Target.id))
             .order_by(TransferOrder.created_at.desc(), TransferOrder.id.desc()))
    if user.is_store_scoped:
        store = user.home_store_id or 0
        query = query.where((TransferOrder.from_location == store)
                            | (TransferOrder.to_location == store))
    return query


def search_transfers(user, status: str = "", source: str = "", target: str = ""):
    """``visible_transfers`` filtered by status and the locations' codes."""
    query = visible_transfers(user)
    if status in set(TransferStatus):
        query = query.where(TransferOrder.status == status)
    if source:
        query = query.where(Source.code == source)
    if target:
        query = query.where(Target.code == target)
    return query


def filter_locations(user) -> list[Location]:
    """The locations the filters offer: every one that sent or received a transfer the
    user may see (an employee never learns of other stores' transfers)."""
    ids: set[int] = set()
    base = visible_transfers(user).order_by()
    for column in (TransferOrder.from_location, TransferOrder.to_location):
        ids.update(row_id for (row_id,) in base.select(column).distinct().tuples())
    if not ids:
        return []
    return list(Location.select().where(Location.id.in_(list(ids))).order_by(Location.code))


def find_visible(user, number: str) -> TransferOrder | None:
    return visible_transfers(user).where(TransferOrder.number == number).first()


def lines_of(transfer: TransferOrder) -> list[TransferLine]:
    return list(TransferLine.select(TransferLine, Product).join(Product)
                .where(TransferLine.transfer == transfer.id).order_by(TransferLine.id))


@dataclass
class QueueTransfers:
    """The transfers a location's work queue shows: rows are (transfer, lines, may act)."""

    outgoing: list[tuple[TransferOrder, list[TransferLine], bool]] = field(default_factory=list)
    incoming: list[tuple[TransferOrder, list[TransferLine], bool]] = field(default_factory=list)
    outgoing_count: int = 0
    incoming_count: int = 0


QUEUE_SHOWN = 50  # per direction; the Transfers tab has the rest


def queue_transfers(user, location: Location) -> QueueTransfers:
    """Work at ``location`` (template global of the fulfilment queue): the approved transfers
    leaving it (pick and ship) and the shipped ones coming to it (receive), oldest first,
    within ``user``'s scope; the first QUEUE_SHOWN of each with lines (two queries)."""
    waiting = list(visible_transfers(user).where(
        ((TransferOrder.from_location == location.id)
         & (TransferOrder.status == TransferStatus.APPROVED))
        | ((TransferOrder.to_location == location.id)
           & (TransferOrder.status == TransferStatus.SHIPPED)))
        .order_by(TransferOrder.created_at, TransferOrder.id))
    outgoing = [t for t in waiting if t.from_location_id == location.id]
    incoming = [t for t in waiting if t.to_location_id == location.id]
    result = QueueTransfers(outgoing_count=len(outgoing), incoming_count=len(incoming))
    shown = outgoing[:QUEUE_SHOWN] + incoming[:QUEUE_SHOWN]
    lines: dict[int, list[TransferLine]] = {t.id: [] for t in shown}
    if shown:
        for line in (TransferLine.select(TransferLine, Product).join(Product)
                     .where(TransferLine.transfer.in_(list(lines))).order_by(TransferLine.id)):
            lines[line.transfer_id].append(line)
    result.outgoing = [(t, lines[t.id], may_ship(user, t)) for t in outgoing[:QUEUE_SHOWN]]
    result.incoming = [(t, lines[t.id], may_receive(user, t)) for t in incoming[:QUEUE_SHOWN]]
    return result


def may_ship(user, transfer: TransferOrder) -> bool:
    """Staff of the source (the step itself needs an approved transfer)."""
    return can_receive_at(user, transfer.from_location)


def may_receive(user, transfer: TransferOrder) -> bool:
    """Staff of the target (the step itself needs a shipped transfer)."""
    return can_receive_at(user, transfer.to_location)


def may_cancel(user, transfer: TransferOrder) -> bool:
    """Managers and admins, or the source's staff (only ever before it ships)."""
    return user.role in (Role.MANAGER, Role.ADMIN) or can_receive_at(user,
                                                                      transfer.from_location)


def transfer_numbers(incoming) -> set[str]:
    """The references of ``incoming`` rows that are transfer orders (one query): the
    incoming deliveries' tables link those to their transfer."""
    references = {row.reference for row in incoming
                  if row.source == IncomingSource.TRANSFER and row.reference}
    if not references:
        return set()
    return {number for (number,) in TransferOrder.select(TransferOrder.number)
            .where(TransferOrder.number.in_(list(references))).tuples()}
