"""The managers' insights: orders, splits, distances, stores out of stock, returns and
feed freshness over the last N days. Read-only and set-based: one aggregate query per
figure (seven in all); days are UTC calendar days, the window ends today."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from peewee import Case, fn

from portal.db import db, utcnow
from portal.feeds.models import SupplierFeed
from portal.inventory.models import AVAILABLE, StockLevel, StockMovement
from portal.inventory.status import Channel, MovementKind
from portal.locations.models import Location
from portal.locations.status import LocationKind
from portal.orders.models import Order, OrderLine, Reservation
from portal.orders.status import OrderStatus, ReservationStatus
from portal.returns.models import ReturnEvent, ReturnLine, ReturnOrder
from portal.returns.replenishment import sales_days
from portal.returns.status import ReturnStatus
from portal.sourcing.models import SourcingDecision
from portal.suppliers.models import Supplier

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
STORES_SHOWN = 15


def period_of(value) -> int:
    """The period asked for, or the default for anything else."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


@dataclass
class DayRow:
    day: date
    orders: dict[str, int] = field(default_factory=dict)  # channel → orders
    sourced: int = 0          # orders with units placed somewhere
    split: int = 0            # ... at more than one location
    km_sum: float = 0.0
    km_orders: int = 0
    sold: int = 0             # units ordered
    returned: int = 0         # units on returns received that day

    @property
    def total(self) -> int:
        return sum(self.orders.values())

    @property
    def split_share(self) -> float | None:
        return self.split / self.sourced if self.sourced else None

    @property
    def distance_km(self) -> float | None:
        return round(self.km_sum / self.km_orders, 1) if self.km_orders else None

    @property
    def return_rate(self) -> float | None:
        return self.returned / self.sold if self.sold else None


@dataclass
class FeedRow:
    name: str
    supplier: str
    last_success_at: datetime | None
    age_hours: float | None
    stale_after_hours: int
    stale: bool


@dataclass
class Insights:
    days: int
    since: datetime
    channels: list[str]
    rows: list[DayRow]
    stores_out: list[tuple[Location, int]]
    stores_out_total: int
    sales_days: int
    refund_hours: float | None
    refunds_timed: int
    feeds: list[FeedRow]

    def _sum(self, name: str):
        return sum(getattr(row, name) for row in self.rows)

    @property
    def orders(self) -> int:
        return self._sum("total")

    @property
    def channel_totals(self) -> dict[str, int]:
        return {c: sum(row.orders.get(c, 0) for row in self.rows) for c in self.channels}

    @property
    def split_share(self) -> float | None:
        sourced = self._sum("sourced")
        return self._sum("split") / sourced if sourced else None

    @property
    def split_orders(self) -> int:
        return self._sum("split")

    @property
    def sourced_orders(self) -> int:
        return self._sum("sourced")

    @property
    def distance_km(self) -> float | None:
        n = self._sum("km_orders")
        return round(self._sum("km_sum") / n, 1) if n else None

    @property
    def sold_units(self) -> int:
        return self._sum("sold")

    @property
    def returned_units(self) -> int:
        return self._sum("returned")

    @property
    def return_rate(self) -> float | None:
        return self.returned_units / self.sold_units if self.sold_units else None

    @property
    def stale_feeds(self) -> int:
        return sum(1 for feed in self.feeds if feed.stale)


def _day(value) -> date:
    """DATE(...) is a string on SQLite and a date on PostgreSQL."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _tuples(query):
    return db.execute_sql(*query.sql()).fetchall()


def _orders(since, rows):
    day = fn.DATE(Order.created_at)
    query = (Order.select(day, Order.channel, fn.COUNT(Order.id))
             .where(Order.created_at >= since, Order.status != OrderStatus.CANCELLED)
             .group_by(day, Order.channel))
    for when, channel, n in _tuples(query):
        row = rows.get(_day(when))
        if row is not None:
            row.orders[channel] = row.orders.get(channel, 0) + int(n)


def _splits(since, rows):
    """Per day: orders with placed units, and those placed at more than one location."""
    inner = (Reservation
             .select(fn.DATE(Order.created_at).alias("day"),
                     fn.COUNT(fn.DISTINCT(Reservation.location)).alias("places"))
             .join(OrderLine).join(Order)
             .where(Order.created_at >= since, Order.status != OrderStatus.CANCELLED,
                    Reservation.status != ReservationStatus.RELEASED)
             .group_by(Order.id, fn.DATE(Order.created_at))
             .alias("per_order"))
    query = (Order.select(inner.c.day, fn.COUNT(inner.c.places),
                          fn.SUM(Case(None, [(inner.c.places > 1, 1)], 0)))
             .from_(inner).group_by(inner.c.day))
    for when, sourced, split in _tuples(query):
        row = rows.get(_day(when))
        if row is not None:
            row.sourced += int(sourced)
            row.split += int(split or 0)


def _distances(since, rows):
    """Per day: the average distance of the winning plan of each order's first sourcing
    (``score.distance_km`` of the trace's last entry, as the rule simulation reads it)."""
    first = (SourcingDecision.select(fn.MIN(SourcingDecision.id))
             .join(Order)
             .where(Order.created_at >= since, Order.status != OrderStatus.CANCELLED,
                    SourcingDecision.reason == "placed")
             .group_by(SourcingDecision.order))
    query = (SourcingDecision.select(fn.DATE(Order.created_at), SourcingDecision.trace)
             .join(Order).where(SourcingDecision.id.in_(first)))
    for when, trace in _tuples(query):
        row = rows.get(_day(when))
        km = _winning_km(trace)
        if row is not None and km is not None:
            row.km_sum += km
            row.km_orders += 1


def _winning_km(trace: str) -> float | None:
    try:
        entries = json.loads(trace or "[]")
        km = (entries[-1].get("score") or {}).get("distance_km") if entries else None
    except (ValueError, AttributeError, TypeError):
        return None
    return float(km) if isinstance(km, (int, float)) else None


def _sold(since, rows):
    day = fn.DATE(Order.created_at)
    query = (OrderLine.select(day, fn.SUM(OrderLine.quantity)).join(Order)
             .where(Order.created_at >= since, Order.status != OrderStatus.CANCELLED)
             .group_by(day))
    for when, units in _tuples(query):
        row = rows.get(_day(when))
        if row is not None:
            row.sold += int(units or 0)


def _returned(since, rows):
    day = fn.DATE(ReturnOrder.received_at)
    query = (ReturnLine.select(day, fn.SUM(ReturnLine.quantity)).join(ReturnOrder)
             .where(ReturnOrder.status == ReturnStatus.RECEIVED,
                    ReturnOrder.received_at >= since)
             .group_by(day))
    for when, units in _tuples(query):
        row = rows.get(_day(when))
        if row is not None:
            row.returned += int(units or 0)


def _refund_hours(since) -> tuple[float | None, int]:
    """Average hours from receiving a return to its first booked refund."""
    query = (ReturnOrder.select(ReturnOrder.received_at, fn.MIN(ReturnEvent.at))
             .join(ReturnEvent)
             .where(ReturnOrder.received_at >= since, ReturnEvent.kind == "refunded")
             .group_by(ReturnOrder.id, ReturnOrder.received_at))
    hours = [max((refunded - received).total_seconds(), 0) / 3600
             for received, refunded in query.tuples() if received and refunded]
    return (round(sum(hours) / len(hours), 1) if hours else None), len(hours)


def _stores_out(limit: int = STORES_SHOWN) -> tuple[list[tuple[Location, int]], int]:
    """Active stores by the number of products sold there in the replenishment's sales
    window whose available quantity is 0 or less."""
    sold = (StockMovement.select(StockMovement.location, StockMovement.product)
            .where(StockMovement.kind == MovementKind.SALE,
                   StockMovement.at >= utcnow() - timedelta(days=sales_days()))
            .distinct().alias("sold"))
    count = fn.COUNT(StockLevel.id)
    query = (StockLevel.select(StockLevel.location, count)
             .join(sold, on=((sold.c.location_id == StockLevel.location)
                             & (sold.c.product_id == StockLevel.product)))
             .where(AVAILABLE <= 0)
             .group_by(StockLevel.location))
    counts = {loc: int(n) for loc, n in _tuples(query)}
    stores = Location.select().where(Location.kind == LocationKind.STORE,
                                     Location.active == True)  # noqa: E712
    ranked = sorted(((store, counts.get(store.id, 0)) for store in stores),
                    key=lambda pair: (-pair[1], pair[0].name))
    return ranked[:limit], sum(n for _, n in ranked)


def _feeds(now) -> list[FeedRow]:
    feeds = (SupplierFeed.select(SupplierFeed, Supplier).join(Supplier)
             .where(SupplierFeed.active == True)  # noqa: E712
             .order_by(SupplierFeed.last_success_at.asc(nulls="first"), SupplierFeed.id))
    return [FeedRow(name=feed.name, supplier=feed.supplier.name,
                    last_success_at=feed.last_success_at,
                    age_hours=(round((now - feed.last_success_at).total_seconds() / 3600, 1)
                               if feed.last_success_at else None),
                    stale_after_hours=feed.stale_after_hours, stale=feed.is_stale(now))
            for feed in feeds]


def insights(days: int = DEFAULT_PERIOD, now: datetime | None = None) -> Insights:
    now = now or utcnow()
    first = now.date() - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time())
    rows = {first + timedelta(days=i): DayRow(first + timedelta(days=i)) for i in range(days)}
    _orders(since, rows)
    _splits(since, rows)
    _distances(since, rows)
    _sold(since, rows)
    _returned(since, rows)
    refund_hours, refunds_timed = _refund_hours(since)
    stores_out, stores_out_total = _stores_out()
    seen = {c for row in rows.values() for c in row.orders}
    channels = [str(c) for c in Channel if c in seen] + sorted(seen - set(Channel))
    return Insights(days=days, since=since, channels=channels, rows=list(rows.values()),
                    stores_out=stores_out, stores_out_total=stores_out_total,
                    sales_days=sales_days(), refund_hours=refund_hours,
                    refunds_timed=refunds_timed, feeds=_feeds(now))
