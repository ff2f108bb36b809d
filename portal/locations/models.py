"""Places that hold stock, ship, hand over and take back goods."""

from __future__ import annotations

import peewee as pw

from portal.db import BaseModel, utcnow
from portal.locations.status import LocationKind


class Location(BaseModel):
    """A place that holds stock: store, warehouse, marketplace, partner or supplier."""

    code = pw.CharField(max_length=16, unique=True)
    name = pw.CharField(max_length=120)
    kind = pw.CharField(max_length=16, index=True,
                        choices=[(k.value, k.value) for k in LocationKind])
    street = pw.CharField(max_length=160, default="")
    postcode = pw.CharField(max_length=16, default="")
    city = pw.CharField(max_length=80, default="")
    country = pw.CharField(max_length=2, default="DE")
    latitude = pw.DoubleField(null=True)
    longitude = pw.DoubleField(null=True)
    email = pw.CharField(max_length=160, default="")
    phone = pw.CharField(max_length=40, default="")
    ships = pw.BooleanField(default=False)
    click_collect = pw.BooleanField(default=False)
    locker_pickup = pw.BooleanField(default=False)
    accepts_returns = pw.BooleanField(default=False)
    daily_capacity = pw.IntegerField(null=True)  # fulfilments per day; None = no limit
    shipment_cost = pw.DecimalField(max_digits=8, decimal_places=2, null=True)  # for sourcing
    priority = pw.IntegerField(default=100)
    active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField(default=utcnow)

    @property
    def is_store(self) -> bool:
        return self.kind == LocationKind.STORE

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


MODELS = [Location]
