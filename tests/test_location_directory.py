"""The in-process location directory: cached for a while, cleared by location changes."""

from __future__ import annotations

from portal.locations.directory import forget_locations, location_directory
from portal.locations.services import update_location
from tests.conftest import make_store


def test_directory_is_cached_and_cleared_by_the_services(app, ctx, users):
    app.config["LOCATION_CACHE_SECONDS"] = 3600
    forget_locations()
    try:
        store = make_store("LEJ", "Leipzig")
        first = location_directory()
        assert first[store.id].code == "LEJ"

        store.postcode = "04109"
        store.save()  # behind the services' back: the cache does not know yet
        assert location_directory()[store.id].postcode == ""

        update_location(store, {"name": "Leipzig Zentrum", "kind": "store",
                                "country": "DE", "postcode": "04103"}, users["admin"])
        assert location_directory()[store.id].postcode == "04103"
    finally:
        app.config["LOCATION_CACHE_SECONDS"] = 0


def test_without_caching_every_call_reads_the_table(ctx):
    store = make_store("DRS", "Dresden")
    assert location_directory()[store.id].code == "DRS"

    store.code = "DRS2"
    store.save()

    assert location_directory()[store.id].code == "DRS2"
