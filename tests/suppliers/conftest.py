"""Supplier warehouses (locations of kind supplier) and a ready supplier for the tests."""

from __future__ import annotations

import pytest

from portal.suppliers.services import create_supplier
from tests.conftest import make_store


def supplier_data(**changes) -> dict:
    """Valid form data for a new supplier; ``changes`` override single fields."""
    data = {"code": "nordwest", "name": "Nordwest Textil GmbH", "contact_name": "Sabine Krüger",
            "contact_email": "s.krueger@example.com", "contact_phone": "+49 521 557 3410",
            "lead_time_days": 4, "countries": "de, at", "dropship": False, "active": True,
            "notes": "", "location": "SUP-BI"}
    return {**data, **changes}


@pytest.fixture
def warehouses(ctx):
    """Two supplier locations: Bielefeld (DE) and Venlo (NL)."""
    return {
        "SUP-BI": make_store("SUP-BI", "Lieferant Bielefeld", 52.03, 8.53, kind="supplier",
                             city="Bielefeld"),
        "SUP-NL": make_store("SUP-NL", "Supplier Venlo", 51.37, 6.17, kind="supplier",
                             city="Venlo", country="NL"),
    }


@pytest.fixture
def nordwest(warehouses, users):
    return create_supplier(supplier_data(), users["manager"])
