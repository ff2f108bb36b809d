"""A pretend marketplace for the demo (DEMO mode only; routes in ``simulator_views``).

It speaks the API the connector expects (``push.py``, ``pull.py``): it keeps the last
1,000 availability rows pushed to it and the latest figure per SKU, and when its
orders are asked for it sells one unit of a SKU it was told is available (at most one
sale per ``DEMO_MARKETPLACE_SALE_SECONDS``; "Sell one now" on its page at once), as
``MP-<n>``, SKUs taken in turn. It lives in the web process's memory: one process
(``make run``) sees it all, a restart forgets it; numbering goes on after the
highest ``MP-<n>`` the portal already holds, so a new sale is never taken for an old one.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

KEEP_PUSHES = 1000
PER_PAGE = 50
BUYERS = [
    ("Erika Mustermann", "Unter den Linden 1", "10117", "Berlin"),
    ("Max Schneider", "Mönckebergstraße 7", "20095", "Hamburg"),
    ("Lena Wagner", "Marienplatz 3", "80331", "München"),
    ("Jonas Becker", "Hohe Straße 12", "50667", "Köln"),
    ("Mia Hoffmann", "Zeil 45", "60313", "Frankfurt am Main"),
    ("Paul Schäfer", "Königstraße 20", "70173", "Stuttgart"),
]


def utc_text(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds") + "Z"


class Simulator:
    """The marketplace's memory; every method is safe to call from several threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.offers: dict[str, int] = {}
        self.pushes: deque[dict] = deque(maxlen=KEEP_PUSHES)
        self.orders: list[dict] = []
        self.number = 0
        self.last_sale: datetime | None = None

    def reset(self) -> None:
        """Forget everything (tests)."""
        with self.lock:
            self.offers.clear()
            self.pushes.clear()
            self.orders.clear()
            self.number, self.last_sale = 0, None

    def receive(self, items: list[dict], now: datetime) -> int:
        """Take a push ``[{"sku", "available"}, ...]``; ValueError names a bad item."""
        for index, item in enumerate(items):
            available = item.get("available") if isinstance(item, dict) else None
            if not isinstance(item.get("sku") if isinstance(item, dict) else None, str) \
                    or not isinstance(available, int) or isinstance(available, bool) \
                    or available < 0:
                raise ValueError(f"items.{index}: needs a sku and available >= 0")
        with self.lock:
            for item in items:
                self.offers[item["sku"]] = item["available"]
                self.pushes.append({"at": now, "sku": item["sku"],
                                    "available": item["available"]})
        return len(items)

    def sale_due(self, now: datetime, every_seconds: int) -> bool:
        return self.last_sale is None or now - self.last_sale >= timedelta(
            seconds=every_seconds)

    def sell(self, now: datetime, taken_up_to: int = 0) -> dict | None:
        """Sell one unit of the next SKU on offer as a new order; None when nothing is."""
        with self.lock:
            on_offer = sorted(sku for sku, units in self.offers.items() if units > 0)
            if not on_offer:
                return None
            self.number = max(self.number, taken_up_to) + 1
            sku = on_offer[(self.number - 1) % len(on_offer)]
            self.offers[sku] -= 1
            name, street, postcode, city = BUYERS[(self.number - 1) % len(BUYERS)]
            order = {"id": f"MP-{self.number}", "created_at": utc_text(now),
                     "buyer": {"name": name, "language": "de-DE"},
                     "shipping_address": {"name": name, "street": street,
                                          "postcode": postcode, "city": city,
                                          "country": "DE"},
                     "lines": [{"sku": sku, "quantity": 1}]}
            self.orders.append(order)
            self.last_sale = now
            return order

    def orders_since(self, since: str | None, page: int) -> dict:
        """One page of the orders created at or after ``since`` (UTC text), oldest first."""
        with self.lock:
            found = [o for o in self.orders if since is None or o["created_at"] >= since]
        start = (page - 1) * PER_PAGE
        return {"orders": found[start:start + PER_PAGE],
                "next_page": page + 1 if len(found) > start + PER_PAGE else None}

    def snapshot(self) -> dict:
        """What the page shows: newest pushes and orders first."""
        with self.lock:
            return {"pushes": list(reversed(self.pushes)),
                    "orders": list(reversed(self.orders)),
                    "on_offer": sum(1 for units in self.offers.values() if units > 0),
                    "known": len(self.offers)}


SIMULATOR = Simulator()
