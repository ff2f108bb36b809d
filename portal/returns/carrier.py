"""A return parcel's tracking events move its return: handed over or in transit →
``in_transit``; delivered to the returns location → stays in transit until the
location inspects it (the timeline says it arrived). Called by ``shipping.tracking``
inside the event's transaction; imports only models, so shipping can call it."""

from __future__ import annotations

from portal.audit.services import actor_label
from portal.db import utcnow
from portal.returns.models import ReturnEvent, ReturnOrder
from portal.returns.status import ReturnStatus
from portal.shipping.models import Shipment
from portal.shipping.status import ShipmentStatus


def return_follows(shipment: Shipment, actor) -> None:
    """Move the return of ``shipment`` after the carrier's report."""
    found = ReturnOrder.get_or_none(ReturnOrder.shipment == shipment.id)
    if found is None:
        return
    if found.status == ReturnStatus.REQUESTED:
        (ReturnOrder.update(status=ReturnStatus.IN_TRANSIT, updated_at=utcnow())
         .where(ReturnOrder.id == found.id, ReturnOrder.status == ReturnStatus.REQUESTED)
         .execute())
    kind = "arrived" if shipment.status == ShipmentStatus.DELIVERED else "in_transit"
    ReturnEvent.create(return_order=found.id, kind=kind, actor=actor_label(actor)[:160],
                       note=shipment.tracking_number)
