"""Transfer orders: stock that moves from one location to another through the ledger.

``create_transfer`` reserves the units at the source (a ``reservation`` movement, refused
unless available: safety stock is never touched) and announces them as incoming at the
target, so sourcing and the location pages see them coming. ``ship_transfer`` takes them
off the source's shelf (``transfer_out``); ``receive_transfer`` books them in at the
target (``transfer_in``, the incoming closed); ``cancel_transfer`` gives back an
unshipped transfer. Each step is one transaction and moves only from the state it read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from portal.audit.services import actor_label
from portal.db import transaction, utcnow
from portal.errors import DomainError
from portal.inventory.models import IncomingStock, Product
from portal.inventory.services import Change, apply_changes, receive_incoming
from portal.inventory.status import IncomingSource, IncomingStatus, MovementKind
from portal.locations.models import Location
from portal.returns.models import TransferLine, TransferOrder
from portal.returns.status import TransferStatus

TRANSIT_DAYS = 2


class TransferRefused(DomainError):
    code = "transfer_refused"
    status = 409


def create_transfer(source: Location, target: Location, lines: Iterable[tuple[Product, int]],
                    actor, reason: str = "") -> TransferOrder:
    """An approved transfer of ``lines`` (product, quantity) from ``source`` to
    ``target``; InsufficientStock (nothing written) when the source lacks them."""
    lines = [(product, quantity) for product, quantity in lines if quantity > 0]
    if source.id == target.id or not lines:
        raise TransferRefused(str(_l("A transfer needs two different locations and at least "
                                     "one unit.")))
    with transaction():
        transfer = TransferOrder.create(from_location=source.id, to_location=target.id,
                                        reason=reason[:200], created_by=actor_label(actor))
        number = f"TR-{transfer.created_at.year}-{transfer.id:06d}"
        TransferOrder.update(number=number).where(TransferOrder.id == transfer.id).execute()
        apply_changes([Change(product.id, source.id, MovementKind.RESERVATION,
                              reserved=quantity, need_available=quantity, reference=number,
                              reason=f"transfer to {target.code}")
                       for product, quantity in lines], actor)
        due = date.today() + timedelta(days=TRANSIT_DAYS)
        for product, quantity in lines:
            incoming = IncomingStock.create(product=product.id, location=target.id,
                                            quantity=quantity, expected_on=due,
                                            source=IncomingSource.TRANSFER, reference=number)
            TransferLine.create(transfer=transfer.id, product=product.id, quantity=quantity,
                                incoming=incoming.id)
    return TransferOrder.get_by_id(transfer.id)


def _move(transfer: TransferOrder, expected: str, target: str, **values) -> TransferOrder:
    moved = (TransferOrder.update(status=target, **values)
             .where(TransferOrder.id == transfer.id, TransferOrder.status == expected)
             .execute())
    if moved != 1:
        current = TransferOrder.get_by_id(transfer.id)
        raise TransferRefused(str(_l("Transfer %(number)s is %(status)s; it cannot become "
                                     "%(target)s.", number=current.number,
                                     status=current.status, target=target)))
    return TransferOrder.get_by_id(transfer.id)


def _lines(transfer: TransferOrder) -> list[TransferLine]:
    return list(TransferLine.select().where(TransferLine.transfer == transfer.id)
                .order_by(TransferLine.id))


def ship_transfer(transfer: TransferOrder, actor) -> TransferOrder:
    """The units leave the source: on hand and reserved both go down."""
    with transaction():
        transfer = _move(transfer, TransferStatus.APPROVED, TransferStatus.SHIPPED,
                         shipped_at=utcnow())
        target = Location.get_by_id(transfer.to_location_id)
        apply_changes([Change(line.product_id, transfer.from_location_id,
                              MovementKind.TRANSFER_OUT, on_hand=-line.quantity,
                              reserved=-line.quantity, reference=transfer.number,
                              reason=f"to {target.code}") for line in _lines(transfer)], actor)
    return transfer


def receive_transfer(transfer: TransferOrder, actor) -> TransferOrder:
    """The units arrive at the target: booked in, the incoming announcement closed."""
    with transaction():
        transfer = _move(transfer, TransferStatus.SHIPPED, TransferStatus.RECEIVED,
                         received_at=utcnow())
        for line in _lines(transfer):
            incoming = (IncomingStock.get_or_none(IncomingStock.id == line.incoming_id)
                        if line.incoming_id else None)
            if incoming is not None and incoming.status == IncomingStatus.OPEN:
                receive_incoming(incoming, quantity=line.quantity, user=actor,
                                 kind=MovementKind.TRANSFER_IN)
            else:  # the announcement was cancelled by hand meanwhile: book the units in
                apply_changes([Change(line.product_id, transfer.to_location_id,
                                      MovementKind.TRANSFER_IN, on_hand=line.quantity,
                                      reference=transfer.number)], actor)
    return transfer


def cancel_transfer(transfer: TransferOrder, actor) -> TransferOrder:
    """An approved transfer that will not ship: the source's units are free again."""
    with transaction():
        transfer = _move(transfer, TransferStatus.APPROVED, TransferStatus.CANCELLED)
        lines = _lines(transfer)
        promised = (IncomingStock.select().where(
            IncomingStock.id.in_([line.incoming_id for line in lines if line.incoming_id]),
            IncomingStock.promised > 0).exists())
        if promised:
            raise TransferRefused(str(_l("Units of %(number)s are promised to customer orders "
                                         "at the target; ship and receive it instead.",
                                         number=transfer.number)))
        apply_changes([Change(line.product_id, transfer.from_location_id, MovementKind.RELEASE,
                              reserved=-line.quantity, reference=transfer.number)
                       for line in lines], actor)
        (IncomingStock.update(status=IncomingStatus.CANCELLED)
         .where(IncomingStock.id.in_([line.incoming_id for line in lines if line.incoming_id]),
                IncomingStock.status == IncomingStatus.OPEN).execute())
    return transfer
