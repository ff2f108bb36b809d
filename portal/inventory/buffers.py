"""Channel buffers: stock held back from one sales channel (e.g. the last pieces in a
store stay for walk-in customers instead of going to the web shop)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from peewee import JOIN

from portal.audit.services import record_audit
from portal.db import transaction
from portal.inventory.errors import InventoryInvalid
from portal.inventory.models import ChannelBuffer
from portal.inventory.status import Channel
from portal.locations.models import Location

MAX_BUFFER = 10_000


def list_buffers():
    """Every buffer, channel by channel, the all-locations row first."""
    return (ChannelBuffer.select(ChannelBuffer, Location)
            .join(Location, JOIN.LEFT_OUTER)
            .order_by(ChannelBuffer.channel, ChannelBuffer.location.is_null(False),
                      Location.code))


def set_channel_buffer(channel: str, location: Location | None, quantity: int,
                       user=None) -> ChannelBuffer | None:
    """Hold ``quantity`` units of every product back from ``channel`` at ``location``
    (or at every location); zero removes the buffer."""
    errors = {}
    if channel not in set(Channel):
        errors["channel"] = str(_l("Choose a channel."))
    if not isinstance(quantity, int) or not 0 <= quantity <= MAX_BUFFER:
        errors["quantity"] = str(_l("Between 0 and %(n)s.", n=MAX_BUFFER))
    if errors:
        raise InventoryInvalid(str(_l("The buffer was not saved.")), fields=errors)
    where = [ChannelBuffer.channel == channel,
             ChannelBuffer.location.is_null() if location is None
             else ChannelBuffer.location == location]
    with transaction():
        existing = ChannelBuffer.get_or_none(*where)
        if quantity == 0:
            if existing:
                existing.delete_instance()
            buffer = None
        elif existing:
            existing.quantity = quantity
            existing.save()
            buffer = existing
        else:
            buffer = ChannelBuffer.create(channel=channel, location=location, quantity=quantity)
        record_audit(user, "stock.buffer_set", buffer, channel=channel, quantity=quantity,
                     location=getattr(location, "code", "all"))
    return buffer
