"""Location imports: upserts by code with German numbers, lines checked as the form
checks them."""

from __future__ import annotations

import pytest

from portal.inventory.imports import ImportRejected, apply_import, preview_import
from portal.locations.models import Location
from tests.inventory.import_helpers import csv, snapshot


def test_locations_upsert_by_code_with_german_numbers(stores, users):
    data = csv("""code;name;kind;city;country;latitude;longitude;ships;click_collect;priority
ber;Berlin Mitte;store;Berlin;de;52,5200;13,4050;ja;nein;50
MUC;München Marienplatz;store;München;DE;48,137;11,575;1;1;
""", encoding="cp1252")

    preview = preview_import("locations", data, "Filialen.csv")
    assert preview.errors == [] and (preview.created, preview.updated) == (1, 1)
    apply_import("locations", data, "Filialen.csv", users["admin"])

    berlin = Location.get(Location.code == "BER")
    assert (berlin.latitude, berlin.click_collect, berlin.priority) == (52.52, False, 50)
    munich = Location.get(Location.code == "MUC")
    assert (munich.name, munich.longitude, munich.priority, munich.active) == (
        "München Marienplatz", 11.575, 100, True)


def test_location_lines_break_the_same_rules_as_the_form(stores, users):
    data = csv("""code,name,kind,country,latitude,longitude,daily_capacity
NEW-1,Fine,warehouse,DE,,,
x,Bad code,store,DE,,,
NEW-3,Bad kind,shop,DE,,,
NEW-4,Bad country,store,Germany,,,
NEW-5,Only latitude,store,DE,50,,
NEW-6,Minus capacity,store,DE,,,-1
NEW-1,Twice,store,DE,,,
""")
    before = snapshot()

    preview = preview_import("locations", data, "l.csv")

    assert [(e.line, e.column) for e in preview.errors] == [
        (3, "code"), (4, "kind"), (5, "country"), (6, "latitude"), (7, "daily_capacity"),
        (8, "code")]
    assert preview.errors[2].message == "Two-letter ISO country code, e.g. DE."
    with pytest.raises(ImportRejected):
        apply_import("locations", data, "l.csv", users["admin"])
    assert snapshot() == before
