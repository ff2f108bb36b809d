"""Read models of the order screens: search with filters, and one order's details."""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import to_utc
from peewee import fn

from portal.locations.models import Location
from portal.orders.models import Order, OrderEvent, OrderLine, Reservation
from portal.orders.status import OrderStatus, ReservationStatus


def visible_orders(user):
    """Orders this user may see: an employee those taken in, picked up at or served
    from their store; everyone else all orders."""
    query = Order.select()
    if user.is_store_scoped:
        query = query.where(_involving(user.home_store_id))
    return query


def _involving(location_id: int):
    """Orders taken in, picked up at or served from a location."""
    served = (Reservation.select(OrderLine.order).join(OrderLine)
              .where(Reservation.location == location_id))
    return ((Order.store == location_id) | (Order.pickup_location == location_id)
            | Order.id.in_(served))


def search_orders(user, text: str = "", status: str = "", channel: str = "",
                  day_from: date | None = None, day_to: date | None = None,
                  location: str = "", attention: bool = False):
    """Visible orders matching a number, e-mail or name, newest first; ``location`` (a
    code) keeps those taken in, picked up at or served from that location;
    ``attention`` those no sourcing rule could place (the "needs attention" queue)."""
    query = visible_orders(user)
    if attention:
        query = query.where(Order.attention != "")
    if location:
        place = Location.get_or_none(Location.code == location.upper())
        query = query.where(_involving(place.id) if place else Order.id.is_null())
    if text:
        like = f"%{text.strip()}%"
        query = query.where(Order.number.ilike(like) | Order.customer_email.ilike(like)
                            | Order.customer_name.ilike(like))
    if status in set(OrderStatus):
        query = query.where(Order.status == status)
    if channel:
        query = query.where(Order.channel == channel)
    if day_from:
        query = query.where(Order.created_at >= _utc(day_from, time.min))
    if day_to:
        query = query.where(Order.created_at <= _utc(day_to, time.max))
    return query.order_by(Order.created_at.desc(), Order.id.desc())


def _utc(day: date, at: time) -> datetime:
    return to_utc(datetime.combine(day, at)).replace(tzinfo=None)


def order_details(order: Order) -> dict:
    """Lines with their reservations, and the timeline."""
    lines = list(OrderLine.select(OrderLine, OrderLine.product).where(OrderLine.order == order)
                 .order_by(OrderLine.line_no))
    reservations = {}
    for reservation in Reservation.select().where(Reservation.line.in_([ln.id for ln in lines])):
        reservations.setdefault(reservation.line_id, []).append(reservation)
    events = list(OrderEvent.select().where(OrderEvent.order == order)
                  .order_by(OrderEvent.at, OrderEvent.id))
    return {"order": order, "lines": [(line, reservations.get(line.id, [])) for line in lines],
            "events": events}


def status_counts(user) -> dict[str, int]:
    rows = (visible_orders(user).select(Order.status, fn.COUNT(Order.id).alias("n"))
            .group_by(Order.status))
    counts = {row.status: row.n for row in rows}
    counts["attention"] = visible_orders(user).where(Order.attention != "").count()
    return counts


def location_choices(user) -> list[Location]:
    """Locations the order list can be filtered by (none for store-scoped users)."""
    if user.is_store_scoped:
        return []
    return list(Location.select(Location.code, Location.name)
                .where(Location.active == True).order_by(Location.code))  # noqa: E712


def fulfilment_parts(order: Order, user) -> list[dict]:
    """One part per location holding stock for the order, with what it holds and whether
    ``user`` may report that it cannot fulfil it."""
    parts: dict[int, dict] = {}
    rows = (Reservation.select(Reservation, OrderLine, Location)
            .join(OrderLine).switch(Reservation).join(Location)
            .where(OrderLine.order == order,
                   Reservation.status.in_([ReservationStatus.ACTIVE,
                                           ReservationStatus.PROMISED]))
            .order_by(Location.code, OrderLine.line_no))
    for reservation in rows:
        part = parts.setdefault(reservation.location_id, {
            "location": reservation.location, "articles": [],
            "can_reject": can_reject_at(user, reservation.location)})
        due = reservation.incoming.expected_on if reservation.status == "promised" else None
        part["articles"].append((reservation.line.product.sku, reservation.quantity, due))
    return list(parts.values())


def can_reject_at(user, location: Location) -> bool:
    """Managers and admins anywhere, an employee for their store, logistics staff for
    every location that is not a store."""
    if user.role in ("manager", "admin"):
        return True
    if user.role == "employee":
        return user.home_store_id == location.id
    return user.role == "logistics" and location.kind != "store"


def sourcing_decisions(order: Order) -> list:
    from portal.sourcing.models import SourcingDecision

    return list(SourcingDecision.select().where(SourcingDecision.order == order)
                .order_by(SourcingDecision.id))
