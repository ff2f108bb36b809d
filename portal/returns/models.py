"""Returns (RMA) with their lines and timeline, the restock rules that decide where a
returned item goes, and transfer orders that move stock between locations.

A return line names the order line it gives back; ``condition`` and ``disposition``
are set when the line is inspected, ``refund_amount`` when its money went back. A
transfer's units are reserved at the source and incoming at the target
(``TransferLine.incoming``) until it is received.
"""

from __future__ import annotations

import json

import peewee as pw

from portal.db import BaseModel, utcnow
from portal.inventory.models import IncomingStock, Product
from portal.locations.models import Location
from portal.orders.models import Order, OrderLine
from portal.returns.status import ReturnStatus, TransferStatus
from portal.shipping.models import Shipment


class ReturnOrder(BaseModel):
    """``number`` is ``RMA-<year>-<id:06d>``, written right after the insert."""

    number = pw.CharField(max_length=20, unique=True, null=True)
    order = pw.ForeignKeyField(Order, backref="returns", on_delete="CASCADE")
    status = pw.CharField(max_length=12, default=ReturnStatus.REQUESTED.value, index=True)
    drop_off = pw.CharField(max_length=12)
    # Where the return is: the store it is announced for or the parcel's returns warehouse
    # while open, the location that received it once received ("returns anywhere").
    location = pw.ForeignKeyField(Location, null=True, on_delete="RESTRICT")
    # Where it was announced when registered; never changes (migration 027).
    announced_location = pw.ForeignKeyField(Location, null=True, on_delete="RESTRICT",
                                            backref="announced_returns")
    reason = pw.CharField(max_length=200, default="")
    created_via = pw.CharField(max_length=12, default="api")  # api | counter
    shipment = pw.ForeignKeyField(Shipment, null=True, on_delete="SET NULL")
    refund_total = pw.DecimalField(max_digits=12, decimal_places=2, default=0)
    created_at = pw.DateTimeField(default=utcnow, index=True)
    updated_at = pw.DateTimeField(default=utcnow)
    received_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "return_order"


class ReturnLine(BaseModel):
    return_order = pw.ForeignKeyField(ReturnOrder, backref="lines", on_delete="CASCADE")
    order_line = pw.ForeignKeyField(OrderLine, on_delete="RESTRICT")
    quantity = pw.IntegerField(constraints=[pw.Check("quantity > 0")])
    reason = pw.CharField(max_length=200, default="")
    condition = pw.CharField(max_length=10, default="")
    disposition = pw.CharField(max_length=10, default="")
    target = pw.ForeignKeyField(Location, null=True, on_delete="RESTRICT")  # where it went
    refund_amount = pw.DecimalField(max_digits=12, decimal_places=2, null=True)
    note = pw.CharField(max_length=200, default="")

    class Meta:
        table_name = "return_line"


class ReturnPhoto(BaseModel):
    """A photo of a returned line: a JPEG re-encoded from the upload, stored in
    ``UPLOAD_DIR`` under ``stored_name`` (random, never the uploader's file name)."""

    return_line = pw.ForeignKeyField(ReturnLine, backref="photos", on_delete="CASCADE")
    stored_name = pw.CharField(max_length=64, unique=True)
    content_type = pw.CharField(max_length=40, default="image/jpeg")
    size = pw.IntegerField()  # bytes of the stored file
    width = pw.IntegerField()
    height = pw.IntegerField()
    uploaded_at = pw.DateTimeField(default=utcnow)
    uploaded_by = pw.CharField(max_length=160, default="")

    class Meta:
        table_name = "return_photo"

    def fit(self, box: int) -> tuple[int, int]:
        """(width, height) to show it within a ``box`` × ``box`` square."""
        scale = min(1.0, box / max(self.width, self.height, 1))
        return max(1, round(self.width * scale)), max(1, round(self.height * scale))


class ReturnEvent(BaseModel):
    """One line of a return's timeline."""

    return_order = pw.ForeignKeyField(ReturnOrder, backref="events", on_delete="CASCADE")
    at = pw.DateTimeField(default=utcnow)
    kind = pw.CharField(max_length=30)
    note = pw.TextField(default="")
    actor = pw.CharField(max_length=160, default="")

    class Meta:
        table_name = "return_event"


class RestockRule(BaseModel):
    """Where a returned item goes: the first active rule (by ``position``) whose
    conditions and categories match decides (empty lists match everything)."""

    position = pw.IntegerField()
    name = pw.CharField(max_length=80)
    conditions = pw.CharField(max_length=60, default="")   # comma-separated Condition values
    categories = pw.CharField(max_length=400, default="")  # comma-separated, '' = any
    action = pw.CharField(max_length=10)                   # a Disposition
    active = pw.BooleanField(default=True)
    updated_at = pw.DateTimeField(default=utcnow)
    updated_by = pw.CharField(max_length=160, default="")

    class Meta:
        table_name = "restock_rule"

    @property
    def condition_list(self) -> list[str]:
        return [c for c in self.conditions.split(",") if c]

    @property
    def category_list(self) -> list[str]:
        return [c for c in self.categories.split(",") if c]


class TransferOrder(BaseModel):
    """Stock moving from one location to another; ``number`` is ``TR-<year>-<id:06d>``."""

    number = pw.CharField(max_length=20, unique=True, null=True)
    from_location = pw.ForeignKeyField(Location, on_delete="RESTRICT")
    to_location = pw.ForeignKeyField(Location, on_delete="RESTRICT")
    status = pw.CharField(max_length=12, default=TransferStatus.APPROVED.value, index=True)
    reason = pw.CharField(max_length=200, default="")
    shipment = pw.ForeignKeyField(Shipment, null=True, on_delete="SET NULL")
    created_by = pw.CharField(max_length=160, default="")
    created_at = pw.DateTimeField(default=utcnow, index=True)
    shipped_at = pw.DateTimeField(null=True)
    received_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "transfer_order"
        indexes = ((("from_location", "status"), False), (("to_location", "status"), False))


class TransferLine(BaseModel):
    transfer = pw.ForeignKeyField(TransferOrder, backref="lines", on_delete="CASCADE")
    product = pw.ForeignKeyField(Product, on_delete="RESTRICT")
    quantity = pw.IntegerField(constraints=[pw.Check("quantity > 0")])
    incoming = pw.ForeignKeyField(IncomingStock, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "transfer_line"


def as_json(value) -> str:
    return json.dumps(value, sort_keys=True, default=str)


MODELS = [ReturnOrder, ReturnLine, ReturnPhoto, ReturnEvent, RestockRule, TransferOrder,
          TransferLine]
