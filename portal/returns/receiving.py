"""Receiving a return.

``receive_return`` inspects every line (condition new / opened / damaged), lets the
restock rules decide where each unit goes (``restock.decide``) and books it, in one
transaction: back on the shelf here (a ``return`` movement with the rule's reason),
on to the location that needs it (booked here, then an approved transfer there), or
refurbish / scrap (not sellable, so no stock movement: the decision and its reason stay
on the return line). The money goes back with ``refunding.refund_return``. A counter
return (``take_back_at_counter``) is registered, received and refunded in one go.

Returns anywhere: ``receive_at_counter`` receives an announced return at whichever store
the customer walks into. The return's ``location`` moves to that store (its
``announced_location`` stays), so the restock rules, the stock and any transfer start
there. Only the one conditional status update wins: a second store, or a carrier scan of
the parcel in between, gets a readable refusal and nothing is written.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from portal.db import transaction, utcnow
from portal.errors import DomainError
from portal.inventory.errors import InsufficientStock
from portal.inventory.models import Product
from portal.inventory.services import Change, apply_changes
from portal.inventory.status import MovementKind
from portal.locations.models import Location
from portal.locations.status import LocationKind
from portal.orders.models import OrderLine
from portal.payments.models import Refund
from portal.returns import restock
from portal.returns.models import ReturnLine, ReturnOrder
from portal.returns.photo_store import save_photos, staged_files
from portal.returns.photos import Photo, Upload, prepare_lines
from portal.returns.refunding import refund_return
from portal.returns.services import (
    ReturnInvalid,
    ReturnRequest,
    add_event,
    register_return,
)
from portal.returns.status import Condition, Disposition, DropOff, ReturnStatus
from portal.returns.transfers import create_transfer
from portal.shipping.models import Shipment
from portal.shipping.status import ShipmentStatus

CENT = Decimal("0.01")
OPEN = (ReturnStatus.REQUESTED, ReturnStatus.IN_TRANSIT)  # may still be received


def _lines(rma: ReturnOrder) -> list[ReturnLine]:
    return list(ReturnLine.select(ReturnLine, OrderLine, Product)
                .join(OrderLine).join(Product)
                .where(ReturnLine.return_order == rma.id).order_by(ReturnLine.id))


def receive_return(rma: ReturnOrder, location: Location, conditions: dict[int, str], actor,
                   notes: dict[int, str] | None = None,
                   photos: dict[int, list[Upload | Photo]] | None = None, *,
                   open_states: tuple[str, ...] = OPEN) -> ReturnOrder:
    """Inspect and book every line of ``rma`` at ``location`` (see the module
    docstring); ``conditions``: return line id → Condition; ``photos``: return line id
    → its photos (optional; a refused one is the line's error, nothing is written);
    ``open_states``: the states it may be received from. Refunds nothing itself."""
    notes = notes or {}
    lines = _lines(rma)
    errors = {f"lines.{line.id}.condition": str(_l("Choose new, opened or damaged."))
              for line in lines if conditions.get(line.id) not in set(Condition)}
    checked, refused = prepare_lines({line.id: (photos or {}).get(line.id, [])
                                      for line in lines})
    errors.update({f"lines.{line_id}.photos": text for line_id, text in refused.items()})
    if errors:
        raise ReturnInvalid(str(_l("Inspect every line.")), fields=errors)
    rules = restock.active_rules()
    with staged_files(), transaction():
        moved = (ReturnOrder.update(status=ReturnStatus.RECEIVED, location=location.id,
                                    received_at=utcnow(), updated_at=utcnow())
                 .where(ReturnOrder.id == rma.id,
                        ReturnOrder.status.in_(list(open_states))).execute())
        if moved != 1:
            raise ReturnInvalid(why_not_receivable(rma, open_states) or str(_l(
                "Return %(number)s was received or cancelled already.", number=rma.number)),
                code="not_receivable", status=409)
        for line in lines:
            condition = conditions[line.id]
            decision = restock.decide(line.order_line.product, condition, location, rules)
            target = _book(rma, line, location, decision, actor)
            (ReturnLine.update(condition=condition, disposition=target[0],
                               target=target[1].id if target[1] else None,
                               note=(notes.get(line.id) or decision.reason)[:200])
             .where(ReturnLine.id == line.id).execute())
            save_photos(line.id, checked.get(line.id, []), actor)
        add_event(rma, "received", actor, _where(rma, location))
    return ReturnOrder.get_by_id(rma.id)


def _where(rma: ReturnOrder, location: Location) -> str:
    """The timeline's note: the receiving location's code, after the announced one's
    when they differ (``BER → HAM``)."""
    announced = rma.announced_location_id
    if announced is None or announced == location.id:
        return location.code
    return f"{Location.get_by_id(announced).code} → {location.code}"


def why_not_receivable(rma: ReturnOrder, open_states: tuple[str, ...] = OPEN) -> str:
    """Why ``rma`` cannot be received now ('' when it can), read afresh: another store or
    a carrier's scan may just have moved it."""
    current = ReturnOrder.get_or_none(ReturnOrder.id == rma.id)
    if current is None:
        return str(_l("No return %(number)s.", number=rma.number))
    if current.status in open_states:
        return ""
    place = Location.get_by_id(current.location_id).code if current.location_id else ""
    if current.status == ReturnStatus.IN_TRANSIT:
        return str(_l("The parcel of %(number)s is on its way to %(place)s already: it is "
                      "received there.", number=current.number, place=place))
    if current.status == ReturnStatus.RECEIVED:
        return str(_l("Return %(number)s was received at %(place)s already.",
                      number=current.number, place=place))
    return str(_l("%(number)s is cancelled.", number=current.number))


def why_not_at_counter(rma: ReturnOrder) -> str:
    """Why a store's counter may not receive ``rma`` ('' when it may): only a registered
    return whose parcel no carrier has (a parcel on its way is received where it goes)."""
    refusal = why_not_receivable(rma, (ReturnStatus.REQUESTED,))
    if refusal or not rma.shipment_id:
        return refusal
    shipment = Shipment.get_by_id(rma.shipment_id)
    if shipment.status != ShipmentStatus.CREATED:
        place = Location.get_by_id(rma.location_id).code if rma.location_id else ""
        return str(_l("The parcel of %(number)s is on its way to %(place)s already: it is "
                      "received there.", number=rma.number, place=place))
    return ""


def receive_at_counter(rma: ReturnOrder, store: Location, conditions: dict[int, str], actor,
                       notes: dict[int, str] | None = None,
                       photos: dict[int, list[Upload]] | None = None
                       ) -> tuple[ReturnOrder, Refund | None]:
    """The customer brings the announced return ``rma`` to ``store``'s counter, whichever
    store it was announced for: received and booked at ``store``, then refunded (once per
    RMA, ``refunding``). ``conditions``, ``notes``, ``photos`` as for ``receive_return``.
    Refused with nothing written when ``store`` is no store taking returns, or ``rma``
    is not registered any more or its parcel is with the carrier (409)."""
    if not (store.kind == LocationKind.STORE and store.active and store.accepts_returns):
        raise ReturnInvalid(str(_l("%(code)s does not take returns.", code=store.code)))
    refusal = why_not_at_counter(rma)
    if refusal:
        raise ReturnInvalid(refusal, code="not_receivable", status=409)
    rma = receive_return(rma, store, conditions, actor, notes, photos,
                         open_states=(ReturnStatus.REQUESTED,))
    try:
        return rma, refund_return(rma, actor)
    except DomainError as error:
        error.rma = rma  # received and booked: the caller shows it and offers a retry
        raise


def _book(rma: ReturnOrder, line: ReturnLine, here: Location, decision: restock.Decision,
          actor) -> tuple[str, Location | None]:
    """Move the line's units as decided; (disposition, where they are) as it turned out."""
    product, quantity = line.order_line.product, line.quantity
    if decision.disposition not in (Disposition.RESTOCK, Disposition.TRANSFER):
        return decision.disposition, None
    apply_changes([Change(product.id, here.id, MovementKind.RETURN, on_hand=quantity,
                          reference=rma.number, reason=decision.reason[:200])], actor)
    if decision.disposition == Disposition.TRANSFER:
        try:
            with transaction():  # a savepoint: a refused transfer leaves the units here
                create_transfer(here, decision.target, [(product, quantity)], actor,
                                reason=f"{rma.number}: {decision.reason}")
            return Disposition.TRANSFER, decision.target
        except InsufficientStock:
            return Disposition.RESTOCK, here  # safety stock here keeps them
    return Disposition.RESTOCK, here


def take_back_at_counter(request: ReturnRequest, store: Location, conditions_by_line_no:
                         dict[int, str], actor, photos_by_line_no:
                         dict[int, list[Upload]] | None = None
                         ) -> tuple[ReturnOrder, Refund | None]:
    """A customer hands a return in at ``store``: registered, received and refunded
    at once; ``conditions_by_line_no``: order line number → Condition;
    ``photos_by_line_no``: order line number → photos (checked before anything is
    written; a refused one is ``lines.<i>.photos``, i its index in ``request.lines``)."""
    request.drop_off, request.location = DropOff.STORE, store.code
    index = {entry.get("line_no"): i for i, entry in enumerate(request.lines)}
    checked, refused = prepare_lines({no: files for no, files in (photos_by_line_no or {})
                                      .items() if no in index})
    if refused:
        raise ReturnInvalid(str(_l("Please correct the marked fields.")), fields={
            f"lines.{index[no]}.photos": text for no, text in refused.items()})
    with staged_files(), transaction():  # registered and received together, or not at all
        rma = register_return(request, actor, via="counter")
        lines = _lines(rma)
        by_line = {line.id: conditions_by_line_no.get(line.order_line.line_no, "")
                   for line in lines}
        photos = {line.id: checked.get(line.order_line.line_no, []) for line in lines}
        rma = receive_return(rma, store, by_line, actor, photos=photos)
    try:
        return rma, refund_return(rma, actor)
    except DomainError as error:
        error.rma = rma  # taken back and booked: the caller shows it and offers a retry
        raise
