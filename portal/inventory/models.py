"""Products and the stock pool with its append-only ledger."""

from __future__ import annotations

import peewee as pw

from portal.db import BaseModel, utcnow
from portal.inventory.status import IncomingStatus
from portal.locations.models import Location


class Product(BaseModel):
    """A sellable article; ``tags`` is a space-separated list such as ``high-demand``."""

    sku = pw.CharField(max_length=40, unique=True)
    ean = pw.CharField(max_length=14, unique=True, null=True)
    name = pw.CharField(max_length=200, index=True)
    brand = pw.CharField(max_length=80, default="", index=True)
    category = pw.CharField(max_length=80, default="", index=True)
    price = pw.DecimalField(max_digits=10, decimal_places=2)
    weight_grams = pw.IntegerField(default=0)
    image_url = pw.CharField(max_length=300, default="")
    tags = pw.CharField(max_length=200, default="")
    active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField(default=utcnow)

    @property
    def tag_list(self) -> list[str]:
        return self.tags.split()

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class StockLevel(BaseModel):
    """Quantities of one product at one location.

    ``available = on_hand - reserved - safety_stock``, never sold below zero.
    Only inventory services change these columns, always with a ledger row.
    """

    # The composite indexes below serve both foreign keys; migration 003 adds an
    # index on (on_hand - reserved - safety_stock, id) for sorting by availability.
    product = pw.ForeignKeyField(Product, backref="stock_levels", on_delete="CASCADE",
                                 index=False)
    location = pw.ForeignKeyField(Location, backref="stock_levels", on_delete="CASCADE",
                                  index=False)
    on_hand = pw.IntegerField(default=0, constraints=[pw.Check("on_hand >= 0")])
    reserved = pw.IntegerField(default=0, constraints=[pw.Check("reserved >= 0")])
    safety_stock = pw.IntegerField(default=0, constraints=[pw.Check("safety_stock >= 0")])
    bin = pw.CharField(max_length=20, default="")  # storage place, e.g. A-03-2 (pick lists)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("product", "location"), True), (("location", "product"), False))

    @property
    def available(self) -> int:
        return max(self.on_hand - self.reserved - self.safety_stock, 0)


# What a stock row can sell now, as SQL (the ``available`` property is its Python twin).
AVAILABLE = StockLevel.on_hand - StockLevel.reserved - StockLevel.safety_stock


class StockMovement(BaseModel):
    """One append-only ledger row per stock change; levels can be rebuilt from the sums."""

    # The (location, at) and (product, at) indexes below serve both foreign keys
    # (migration 025 dropped their single-column indexes).
    at = pw.DateTimeField(default=utcnow, index=True)
    product = pw.ForeignKeyField(Product, on_delete="RESTRICT", index=False)
    location = pw.ForeignKeyField(Location, on_delete="RESTRICT", index=False)
    kind = pw.CharField(max_length=16, index=True)
    on_hand_delta = pw.IntegerField(default=0)
    reserved_delta = pw.IntegerField(default=0)
    safety_delta = pw.IntegerField(default=0)
    reason = pw.CharField(max_length=200, default="")
    reference = pw.CharField(max_length=80, default="", index=True)
    user_id = pw.IntegerField(null=True)  # who; an id, not a FK, so the ledger outlives users

    class Meta:
        indexes = ((("location", "at"), False), (("product", "at"), False))


class IncomingStock(BaseModel):
    """Stock on its way to a location: expected quantity and date."""

    product = pw.ForeignKeyField(Product, on_delete="CASCADE")
    location = pw.ForeignKeyField(Location, on_delete="CASCADE")
    quantity = pw.IntegerField(constraints=[pw.Check("quantity > 0")])
    expected_on = pw.DateField(index=True)
    source = pw.CharField(max_length=16)
    reference = pw.CharField(max_length=80, default="")
    status = pw.CharField(max_length=12, default=IncomingStatus.OPEN.value, index=True)
    promised = pw.IntegerField(default=0)  # units promised to orders (never above quantity)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("location", "status", "expected_on"), False),)


class ChannelBuffer(BaseModel):
    """Hold back ``quantity`` units of every product at a location (or at every
    location when ``location`` is empty) from one sales channel, e.g. keep the
    last two pieces in a store for walk-in customers instead of the web shop."""

    channel = pw.CharField(max_length=16)
    location = pw.ForeignKeyField(Location, null=True, on_delete="CASCADE")
    quantity = pw.IntegerField(constraints=[pw.Check("quantity >= 0")])
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("channel", "location"), True),)


MODELS = [Product, StockLevel, StockMovement, IncomingStock, ChannelBuffer]
