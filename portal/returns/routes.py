"""Import every module that adds routes to the ``returns`` blueprint (the app factory
imports this before registering it); a new screen module adds its name here."""

from portal.returns import (  # noqa: F401 - importing adds their routes
    counter_receive_views,
    counter_views,
    photo_views,
    replenishment_views,
    rules_views,
    transfer_views,
    views,
)
