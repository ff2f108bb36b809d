"""Incoming stock a rule may promise ("allow incoming stock within N days"): the units of
open deliveries not yet promised to other orders, after refilling the location's safety
stock, earliest delivery first; and how a plan's units split into shelf stock and
promises with their expected dates."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta

from portal.db import local_today
from portal.inventory.models import IncomingStock, StockLevel
from portal.inventory.status import IncomingStatus
from portal.orders.allocation import Allocation

MAX_DAYS = 90


class IncomingPool:
    """Free incoming units of some products: location id → product id → deliveries as
    [incoming id, expected on, free units], earliest first."""

    def __init__(self, product_ids: list[int], today: date | None = None):
        self.today = today or local_today()
        horizon = self.today + timedelta(days=MAX_DAYS)
        rows = (IncomingStock
                .select(IncomingStock.id, IncomingStock.location, IncomingStock.product,
                        IncomingStock.quantity, IncomingStock.promised,
                        IncomingStock.expected_on)
                .where(IncomingStock.product.in_(product_ids),
                       IncomingStock.status == IncomingStatus.OPEN,
                       IncomingStock.expected_on <= horizon,
                       IncomingStock.quantity > IncomingStock.promised)
                .order_by(IncomingStock.expected_on, IncomingStock.id).tuples())
        self.deliveries: dict[int, dict[int, list[list]]] = defaultdict(lambda: defaultdict(list))
        for incoming_id, location_id, product_id, quantity, promised, expected_on in rows:
            self.deliveries[location_id][product_id].append(
                [incoming_id, expected_on, quantity - promised])
        self._refill_safety_stock()

    def _refill_safety_stock(self) -> None:
        """A delivery first fills the gap below safety stock (and already reserved units
        the shelf lacks): only the rest may be promised."""
        pairs = [(loc, prod) for loc, products in self.deliveries.items() for prod in products]
        if not pairs:
            return
        locations = sorted({loc for loc, _p in pairs})
        products = sorted({prod for _l, prod in pairs})
        for location_id, product_id, on_hand, reserved, safety in (
                StockLevel.select(StockLevel.location, StockLevel.product, StockLevel.on_hand,
                                  StockLevel.reserved, StockLevel.safety_stock)
                .where(StockLevel.location.in_(locations), StockLevel.product.in_(products))
                .tuples()):
            gap = max(0, safety + reserved - on_hand)
            for delivery in self.deliveries.get(location_id, {}).get(product_id, []):
                take = min(gap, delivery[2])
                delivery[2] -= take
                gap -= take

    def units(self, days: int) -> dict[int, dict[int, int]]:
        """location id → product id → free units expected within ``days``."""
        until = self.today + timedelta(days=days)
        result: dict[int, dict[int, int]] = {}
        for location_id, products in self.deliveries.items():
            for product_id, deliveries in products.items():
                free = sum(d[2] for d in deliveries if d[1] <= until and d[2] > 0)
                if free:
                    result.setdefault(location_id, {})[product_id] = free
        return result

    def split(self, plan: list[Allocation], on_shelf: dict[int, dict[int, tuple[int, int]]],
              days: int) -> list[Allocation]:
        """The plan with every allocation beyond the shelf's units turned into promises
        from the earliest deliveries within ``days``."""
        until = self.today + timedelta(days=days)
        result = []
        for allocation in plan:
            shelf = on_shelf.get(allocation.location_id, {}).get(allocation.product_id,
                                                                  (0, 0))[0]
            if allocation.quantity <= shelf:
                result.append(allocation)
                continue
            if shelf:
                result.append(replace(allocation, quantity=shelf))
            left = allocation.quantity - shelf
            for incoming_id, expected_on, free in self.deliveries[allocation.location_id][
                    allocation.product_id]:
                if expected_on > until or free <= 0 or not left:
                    continue
                take = min(free, left)
                result.append(replace(allocation, quantity=take, incoming_id=incoming_id,
                                      expected_on=expected_on))
                left -= take
        return result
