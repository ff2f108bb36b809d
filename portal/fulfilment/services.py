"""Moving fulfilments: the only writers of fulfilment models (``opening.py`` creates
them). ``advance`` checks the step against ``status.py``, records the event, moves the
fulfilment with a conditional UPDATE (``WHERE status = <expected>``) and makes the
order follow, all in one transaction:

- packing a part that travels creates its shipment: parcels, tracking number, SSCCs
  (``shipping.shipments``);
- shipping (or a customer collecting) takes the units off the shelf as a ``sale``
  movement and closes their reservations; shipping hands the shipment to the carrier;
- a rejection releases the location's units and sources them again elsewhere
  (``orders.resourcing``), which opens fulfilments at the new locations; labels printed
  for it are void;
- the order follows its parts (``progress.order_follows``).

A step reported with an event id (a WMS's own id) is stored once per (source, id): the
same report again returns the earlier result, another body under that id is refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

import peewee as pw
from flask_babel import lazy_gettext as _l

from portal.audit.services import actor_label
from portal.db import transaction, utcnow
from portal.fulfilment.errors import EventIdReused, EventInvalid, IllegalFulfilmentStep
from portal.fulfilment.models import FulfillmentEvent, FulfillmentOrder
from portal.fulfilment.progress import order_follows
from portal.fulfilment.status import (
    DONE,
    INTERNAL,
    OPEN,
    FulfillmentStatus,
    can_transition,
    target_of,
)
from portal.inventory.services import Change, apply_changes
from portal.inventory.status import MovementKind
from portal.locations.models import Location
from portal.orders.models import Order, OrderLine, Reservation
from portal.orders.resourcing import reject_fulfilment
from portal.orders.status import DeliveryMethod, OrderStatus, ReservationStatus
from portal.shipping.models import Shipment
from portal.shipping.shipments import ParcelSpec, create_shipment, suggested_weight
from portal.shipping.status import ShipmentStatus
from portal.shipping.tracking import hand_over

F = FulfillmentStatus
MAX_PARCELS = 50
PARCEL_FIELDS = {"reference", "weight_kg", "length_cm", "width_cm", "height_cm", "sscc",
                 "tracking_number"}


@dataclass
class Outcome:
    """What ``advance`` did: the fulfilment as it is now, the event that moved it, and
    whether this was a repeat of an event seen before (nothing changed then)."""

    fulfillment: FulfillmentOrder
    event: FulfillmentEvent
    replayed: bool = False


def clean_payload(event_type: str, payload: dict | None) -> dict:
    """The event's details checked for shape (``parcels``, ``tracking_number``,
    ``reason``); raise EventInvalid naming each bad field."""
    payload = payload or {}
    errors: dict[str, str] = {}
    if target_of(event_type) is None:
        errors["type"] = str(_l("Unknown event type."))
    clean: dict = {}
    tracking = payload.get("tracking_number")
    if tracking not in (None, ""):
        if not isinstance(tracking, str) or len(tracking) > 60:
            errors["tracking_number"] = str(_l("Text of at most %(n)s characters.", n=60))
        else:
            clean["tracking_number"] = tracking.strip()
    reason = payload.get("reason")
    if reason not in (None, ""):
        if not isinstance(reason, str) or len(reason) > 160:
            errors["reason"] = str(_l("Text of at most %(n)s characters.", n=160))
        else:
            clean["reason"] = reason.strip()
    parcels = payload.get("parcels")
    if parcels not in (None, []):
        if not isinstance(parcels, list) or len(parcels) > MAX_PARCELS:
            errors["parcels"] = str(_l("A list of at most %(n)s parcels.", n=MAX_PARCELS))
        else:
            clean["parcels"] = [_clean_parcel(p, f"parcels.{i}", errors)
                                for i, p in enumerate(parcels)]
    if errors:
        raise EventInvalid(str(_l("The event is not valid.")), fields=errors)
    return clean


def _clean_parcel(parcel, name: str, errors: dict) -> dict:
    if not isinstance(parcel, dict) or set(parcel) - PARCEL_FIELDS:
        errors[name] = str(_l("An object with %(fields)s.",
                              fields=", ".join(sorted(PARCEL_FIELDS))))
        return {}
    weight = parcel.get("weight_kg")
    if weight is not None and (isinstance(weight, bool) or not isinstance(weight, int | float)
                               or not 0 < weight <= 1000):
        errors[f"{name}.weight_kg"] = str(_l("A weight in kg above 0, at most 1000."))
    for size in ("length_cm", "width_cm", "height_cm"):
        value = parcel.get(size)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not 0 <= value <= 300):
            errors[f"{name}.{size}"] = str(_l("Whole centimetres from 0 to %(most)s.",
                                              most=300))
    sscc = parcel.get("sscc")
    if sscc is not None and not (isinstance(sscc, str) and re.fullmatch(r"\d{18}", sscc)):
        errors[f"{name}.sscc"] = str(_l("An SSCC has 18 digits."))
    for text in ("reference", "tracking_number"):
        value = parcel.get(text)
        if value is not None and (not isinstance(value, str) or len(value) > 60):
            errors[f"{name}.{text}"] = str(_l("Text of at most %(n)s characters.", n=60))
    return parcel


def _digest(event_type: str, payload: dict) -> str:
    body = json.dumps({"type": event_type, "payload": payload}, sort_keys=True,
                      separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def advance(fulfillment: FulfillmentOrder, event_type: str, actor, event_id: str | None = None,
            payload: dict | None = None, source: str = "portal",
            trusted: bool = False) -> Outcome:
    """Report ``event_type`` for a fulfilment (see the module's docstring); raise
    IllegalFulfilmentStep (409) with nothing changed when the step does not follow.
    ``trusted``: the caller is the service that owns an internal step (collected with
    the pickup code); anyone else reporting one is refused."""
    clean = clean_payload(event_type, payload)
    target = target_of(event_type)
    if target in INTERNAL and not trusted:
        raise IllegalFulfilmentStep(str(_l(
            "A fulfilment is collected when the store hands the order over with the "
            "customer's pickup code, and cancelled with its order.")))
    digest = _digest(event_type, clean)
    event_id = (event_id or "").strip()[:100] or None
    try:
        with transaction():
            if event_id and (earlier := _earlier(source, event_id, digest)) is not None:
                return earlier
            return _advance(fulfillment.id, event_type, target, actor, source, event_id,
                            digest, clean)
    except (pw.IntegrityError, IllegalFulfilmentStep):
        # A concurrent report with the same id committed first: PostgreSQL waits for it
        # on the unique index and refuses ours, or ours already read the moved state.
        # Either way the answer is that report's result.
        earlier = _earlier(source, event_id, digest) if event_id else None
        if earlier is None:
            raise
        return earlier


def _earlier(source: str, event_id: str, digest: str) -> Outcome | None:
    event = FulfillmentEvent.get_or_none(FulfillmentEvent.source == source,
                                         FulfillmentEvent.event_id == event_id)
    if event is None:
        return None
    if event.request_hash != digest:
        raise EventIdReused(str(_l("Event %(id)s was reported before with another body.",
                                   id=event_id)))
    return Outcome(FulfillmentOrder.get_by_id(event.fulfillment_id), event, replayed=True)


def _advance(fulfillment_id: int, event_type: str, target: F, actor, source: str,
             event_id: str | None, digest: str, payload: dict) -> Outcome:
    fulfillment = FulfillmentOrder.get_by_id(fulfillment_id)
    order = Order.get_by_id(fulfillment.order_id)
    _check_step(fulfillment, order, target)
    event = FulfillmentEvent.create(
        fulfillment=fulfillment, type=event_type, from_status=fulfillment.status,
        to_status=target, actor=actor_label(actor)[:160], source=source, event_id=event_id,
        request_hash=digest, payload=json.dumps(payload))
    reason = payload.get("reason", "")[:160] if target == F.REJECTED else ""
    moved = (FulfillmentOrder.update(status=target, updated_at=utcnow(), rejected_reason=reason)
             .where(FulfillmentOrder.id == fulfillment.id,
                    FulfillmentOrder.status == fulfillment.status).execute())
    if moved != 1:
        raise IllegalFulfilmentStep(str(_l("Fulfilment %(number)s changed meanwhile; reload "
                                           "it.", number=fulfillment.number)))
    location = Location.get_by_id(fulfillment.location_id)
    fulfillment.location = location
    if target == F.REJECTED:
        _void_labels(fulfillment)
        # Its own transaction becomes a savepoint of ours: all or nothing together.
        reject_fulfilment(order, location, actor, reason)
    elif target == F.PACKED and not pickup_here(order, fulfillment):
        _pack(fulfillment, payload, actor)
    elif target in DONE:
        _take_off_shelf(order, fulfillment, location, target, actor)
        if target == F.SHIPPED:
            hand_over(fulfillment, actor, payload.get("tracking_number"))
    order_follows(order, actor, fulfillment.number)
    return Outcome(FulfillmentOrder.get_by_id(fulfillment.id), event)


def _pack(fulfillment: FulfillmentOrder, payload: dict, actor) -> None:
    """The shipment of a part that travels: the reported parcels, or one parcel of the
    articles' weight when none were reported (a bulk step, a WMS that only says packed)."""
    errors: dict[str, str] = {}
    specs = [ParcelSpec.parse(raw, f"parcels.{i}", errors)
             for i, raw in enumerate(payload.get("parcels") or [])]
    if errors:
        raise EventInvalid(str(_l("The event is not valid.")), fields=errors)
    if not specs:
        specs = [ParcelSpec(suggested_weight(fulfillment))]
    create_shipment(fulfillment, specs, actor, tracking_number=payload.get("tracking_number"))


def _void_labels(fulfillment: FulfillmentOrder) -> None:
    """A rejected part's shipments that never left are void (their numbers stay used)."""
    (Shipment.delete().where(Shipment.fulfillment == fulfillment.id,
                             Shipment.status == ShipmentStatus.CREATED).execute())


def pickup_here(order: Order, fulfillment: FulfillmentOrder) -> bool:
    """The customer collects this fulfilment's units at its own location."""
    return (order.delivery_method == DeliveryMethod.CLICK_COLLECT
            and order.pickup_location_id == fulfillment.location_id)


def _check_step(fulfillment: FulfillmentOrder, order: Order, target: F) -> None:
    if not can_transition(fulfillment.status, target):
        raise IllegalFulfilmentStep(str(_l(
            "Fulfilment %(number)s is %(current)s; it cannot become %(target)s.",
            number=fulfillment.number, current=fulfillment.status, target=target)))
    if order.status == OrderStatus.CANCELLED:
        raise IllegalFulfilmentStep(str(_l("Order %(number)s was cancelled; stop its "
                                           "fulfilment.", number=order.number)))
    here = pickup_here(order, fulfillment)
    if target == F.READY_FOR_PICKUP and not here:
        raise IllegalFulfilmentStep(str(_l(
            "Fulfilment %(number)s is not collected here; ship it.", number=fulfillment.number)))
    if target == F.SHIPPED and here:
        raise IllegalFulfilmentStep(str(_l(
            "The customer collects %(number)s here; mark it ready for pickup.",
            number=fulfillment.number)))


def _take_off_shelf(order: Order, fulfillment: FulfillmentOrder, location: Location,
                    target: F, actor) -> None:
    """The units leave the location: a sale movement per reservation, which is closed."""
    held = list(Reservation.select(Reservation, OrderLine).join(OrderLine)
                .where(OrderLine.order == order.id, Reservation.location == location.id,
                       Reservation.status.in_([ReservationStatus.ACTIVE,
                                               ReservationStatus.PROMISED]))
                .order_by(Reservation.id))
    waiting = sum(r.quantity for r in held if r.status == ReservationStatus.PROMISED)
    if waiting:
        raise IllegalFulfilmentStep(str(_l(
            "%(n)s units of %(number)s are promised from an incoming delivery that has not "
            "arrived at %(location)s yet; they cannot leave.", n=waiting,
            number=fulfillment.number, location=location.code)))
    if not held:
        raise IllegalFulfilmentStep(str(_l("%(location)s holds nothing for %(number)s.",
                                           location=location.code, number=fulfillment.number)))
    closed = (ReservationStatus.SHIPPED if target == F.SHIPPED
              else ReservationStatus.HANDED_OVER)
    taken = (Reservation.update(status=closed)
             .where(Reservation.id.in_([r.id for r in held]),
                    Reservation.status == ReservationStatus.ACTIVE).execute())
    if taken != len(held):
        raise IllegalFulfilmentStep(str(_l("Fulfilment %(number)s changed meanwhile; reload "
                                           "it.", number=fulfillment.number)))
    apply_changes([Change(r.line.product_id, r.location_id, MovementKind.SALE,
                          on_hand=-r.quantity, reserved=-r.quantity,
                          reference=fulfillment.number) for r in held], actor)


def reject_at(order: Order, location: Location, actor, reason: str = "") -> Order:
    """A location cannot fulfil its part of ``order`` (the order page's button): through
    its open fulfilment when there is one, else straight to re-sourcing (an order not yet
    paid has no fulfilments)."""
    fulfillment = (FulfillmentOrder.select()
                   .where(FulfillmentOrder.order == order.id,
                          FulfillmentOrder.location == location.id,
                          FulfillmentOrder.status.in_(list(OPEN))).first())
    if fulfillment is None:
        return reject_fulfilment(order, location, actor, reason)
    advance(fulfillment, "rejected", actor, payload={"reason": reason})
    return Order.get_by_id(order.id)
