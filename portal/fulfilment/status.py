"""Fulfilment states, the events that move them, and the allowed transitions.

assigned → accepted → picking → packed → shipped (home delivery, locker), or
packed → ready_for_pickup → collected (Click & Collect at the pickup store); any open
state → rejected (the location cannot fulfil; the units are sourced again) or
cancelled (the order was cancelled). Packing a part that travels creates its shipment
(``shipping.shipments``); the shipment's own states (created → handed over → in transit
→ delivered) carry on after shipped. A part collected at the store is handed over with
the customer's pickup code (``pickup.py``).
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class FulfillmentStatus(StrEnum):
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    PICKING = "picking"
    PACKED = "packed"
    SHIPPED = "shipped"
    READY_FOR_PICKUP = "ready_for_pickup"
    COLLECTED = "collected"
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # the order was cancelled while this part was open


class EventType(StrEnum):
    """What a person or a WMS reports; ``TARGETS`` says which state each one leads to."""

    ACCEPTED = "accepted"
    PICKING = "picking"    # the portal's "start picking"
    PICKED = "picked"      # a WMS reports picking done; the parcel is packed next
    PACKED = "packed"
    SHIPPED = "shipped"
    READY_FOR_PICKUP = "ready_for_pickup"
    COLLECTED = "collected"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


F = FulfillmentStatus
TARGETS: dict[EventType, FulfillmentStatus] = {
    EventType.ACCEPTED: F.ACCEPTED,
    EventType.PICKING: F.PICKING,
    EventType.PICKED: F.PICKING,
    EventType.PACKED: F.PACKED,
    EventType.SHIPPED: F.SHIPPED,
    EventType.READY_FOR_PICKUP: F.READY_FOR_PICKUP,
    EventType.COLLECTED: F.COLLECTED,
    EventType.REJECTED: F.REJECTED,
    EventType.CANCELLED: F.CANCELLED,
}

OPEN = frozenset({F.ASSIGNED, F.ACCEPTED, F.PICKING, F.PACKED, F.READY_FOR_PICKUP})
DONE = frozenset({F.SHIPPED, F.COLLECTED})

TRANSITIONS: dict[FulfillmentStatus, frozenset[FulfillmentStatus]] = {
    F.ASSIGNED: frozenset({F.ACCEPTED, F.REJECTED, F.CANCELLED}),
    F.ACCEPTED: frozenset({F.PICKING, F.REJECTED, F.CANCELLED}),
    F.PICKING: frozenset({F.PACKED, F.REJECTED, F.CANCELLED}),
    F.PACKED: frozenset({F.SHIPPED, F.READY_FOR_PICKUP, F.REJECTED, F.CANCELLED}),
    F.READY_FOR_PICKUP: frozenset({F.COLLECTED, F.REJECTED, F.CANCELLED}),
    F.SHIPPED: frozenset(),
    F.COLLECTED: frozenset(),
    F.REJECTED: frozenset(),
    F.CANCELLED: frozenset(),
}
# Steps only the services take: collected needs the customer's pickup code
# (``pickup.hand_over``), cancelled follows the order (``opening.cancel_open``).
INTERNAL = frozenset({F.COLLECTED, F.CANCELLED})

STATUS_LABELS = {
    F.ASSIGNED: _l("Assigned"),
    F.ACCEPTED: _l("Accepted"),
    F.PICKING: _l("Picking"),
    F.PACKED: _l("Packed"),
    F.SHIPPED: _l("Shipped"),
    F.READY_FOR_PICKUP: _l("Ready for pickup"),
    F.COLLECTED: _l("Collected"),
    F.REJECTED: _l("Rejected"),
    F.CANCELLED: _l("Cancelled"),
}

# The buttons of the queue: per state, the events a person may report next (besides
# "cannot fulfil", which every open state offers with a reason).
ACTION_LABELS = {
    EventType.ACCEPTED: _l("Accept"),
    EventType.PICKING: _l("Start picking"),
    EventType.PACKED: _l("Packed"),
    EventType.SHIPPED: _l("Shipped"),
    EventType.READY_FOR_PICKUP: _l("Ready for pickup"),
}
BULK_EVENTS = (EventType.ACCEPTED, EventType.PICKING, EventType.PACKED, EventType.SHIPPED,
               EventType.READY_FOR_PICKUP)


def target_of(event_type: str) -> FulfillmentStatus | None:
    """The state an event leads to, or None for an unknown event type."""
    try:
        return TARGETS[EventType(event_type)]
    except ValueError:
        return None


def can_transition(current: str, target: str) -> bool:
    """True when the fulfilment may move from ``current`` to ``target``."""
    return FulfillmentStatus(target) in TRANSITIONS[FulfillmentStatus(current)]


def next_events(status: str, pickup_here: bool) -> list[EventType]:
    """The forward events a person may report for a fulfilment in ``status``;
    ``pickup_here``: the customer collects at this location (Click & Collect)."""
    if status == F.ASSIGNED:
        return [EventType.ACCEPTED]
    if status == F.ACCEPTED:
        return [EventType.PICKING]
    if status == F.PICKING:
        return [EventType.PACKED]
    if status == F.PACKED:
        return [EventType.READY_FOR_PICKUP] if pickup_here else [EventType.SHIPPED]
    return []
