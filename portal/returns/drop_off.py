"""Where a customer can hand a return in: the stores that take returns, nearest first,
and a one-line explanation per drop-off (the API's ``drop_off_options``, the e-mail).

Nearness is the sourcing engine's: the pickup store (or the store of sale) of an order
without an address, else the location sharing the longest postcode prefix with the
customer's (no geocoding); without either, stores in the customer's town come first.
Reads only.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.locations.models import Location
from portal.locations.services import distance_km
from portal.locations.status import LocationKind
from portal.orders.models import Order
from portal.returns.status import DropOff
from portal.sourcing.facts import facts_from
from portal.sourcing.places import directory_view

MAX_STORES = 10

DROP_OFF_HELP = {
    DropOff.STORE: _l("Bring the articles to the store's counter with your return number; "
                      "no label needed."),
    DropOff.POST_OFFICE: _l("Print the return label, stick it on the parcel and hand it in "
                            "at any post office."),
    DropOff.MAILBOX: _l("Print the return label, stick it on the parcel and drop it into a "
                        "parcel mailbox or at a parcel shop."),
}


def _point(order: Order) -> tuple[float, float] | None:
    """The customer's whereabouts as the sourcing engine sees them."""
    origin = None
    if not order.ship_postcode:
        origin = order.pickup_location if order.pickup_location_id else (
            order.store if order.store_id else None)
    return directory_view().destination(facts_from(order, [], origin, wanted={}))


def return_stores(order: Order, limit: int = MAX_STORES) -> list[tuple[Location, float | None]]:
    """Active stores that take returns with their distance in km (None when unknown),
    nearest first to ``order``'s customer; at most ``limit``."""
    stores = list(Location.select().where(Location.kind == LocationKind.STORE,
                                          Location.active == True,  # noqa: E712
                                          Location.accepts_returns == True))  # noqa: E712
    point = _point(order)
    if point is None:
        town = (order.ship_city or "").strip().casefold()
        stores.sort(key=lambda s: ((s.city or "").casefold() != town, s.name, s.code))
        return [(store, None) for store in stores[:limit]]
    ranked = [(store, None if store.latitude is None else
               distance_km(point[0], point[1], store.latitude, store.longitude))
              for store in stores]
    ranked.sort(key=lambda pair: (pair[1] is None, pair[1] or 0.0, pair[0].name, pair[0].code))
    return ranked[:limit]
