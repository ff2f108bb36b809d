"""A feed imported by the jobs process keeps its report in English (the process's
language); the report and the supplier page show it in the reader's."""

from __future__ import annotations

import pytest

from portal.auth.models import User
from portal.feeds.importer import import_feed
from tests.feeds.conftest import make_feed, opening_stock


@pytest.fixture
def german_logistics(as_role, users):
    User.update(language="de").where(User.id == users["logistics"].id).execute()
    return as_role("logistics")


def test_the_feed_report_is_shown_in_german(german_logistics, supplier, drop_dir):
    opening_stock(supplier.location, {"A-1": (5, 0)})
    (drop_dir / "nordwest" / "stock.csv").write_text("Artikel;Bestand\nA-1;viele\n")
    result = import_feed(make_feed(supplier))
    assert result.status == "failed"
    assert {"line": 2, "message": "Not a whole number."} in result.problems

    report = german_logistics.get(f"/suppliers/NORDWEST/feeds/{result.feed_id}/report")
    page = german_logistics.get("/suppliers/NORDWEST").get_data(as_text=True)
    report = report.get_data(as_text=True)

    assert "Keine ganze Zahl." in report and "Not a whole number." not in report
    assert "Probleme in der Datei; nichts wurde geändert." in report
    assert "problems in the file" not in report
    assert "1 Probleme in der Datei" in page and "problems in the file" not in page
