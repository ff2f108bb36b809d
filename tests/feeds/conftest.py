"""A supplier with its warehouse, a few products with stock there, and feeds to import."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from portal import bulk
from portal.db import utcnow
from portal.feeds.freshness import forget_freshness
from portal.feeds.models import SupplierFeed
from portal.inventory.models import Product, StockLevel, StockMovement
from portal.inventory.status import MovementKind
from portal.suppliers.services import create_supplier
from tests.conftest import make_store

SKUS = ("A-1", "A-2", "A-3", "A-4")


@pytest.fixture(autouse=True)
def _fresh_cache():
    forget_freshness()
    yield
    forget_freshness()


@pytest.fixture
def drop_dir(app, tmp_path):
    """FEED_DROP_DIR points at a temporary folder during the test."""
    old = {name: app.config.get(name) for name in ("FEED_DROP_DIR", "FEED_BASELINE_DIR")}
    app.config.update(FEED_DROP_DIR=str(tmp_path / "drop"), FEED_RETRY_SECONDS=0,
                      FEED_BASELINE_DIR=str(tmp_path / "baselines"))
    (tmp_path / "drop" / "nordwest").mkdir(parents=True)
    yield tmp_path / "drop"
    app.config.update(old)


@pytest.fixture
def supplier(ctx, users):
    make_store("SUP-BI", "Lieferant Bielefeld", 52.03, 8.53, kind="supplier", city="Bielefeld")
    return create_supplier({"code": "NORDWEST", "name": "Nordwest Textil", "lead_time_days": 4,
                            "countries": "DE", "location": "SUP-BI"}, users["manager"])


def opening_stock(location, levels: dict[str, tuple[int, int]]) -> None:
    """Products ``SKUS`` (and any in ``levels``) with (on hand, reserved) at ``location``,
    booked with opening and reservation ledger rows so ``check_levels`` is clean."""
    for sku in sorted(set(SKUS) | set(levels)):
        Product.get_or_create(sku=sku, defaults={"name": f"Article {sku}",
                                                 "price": Decimal("9.99")})
    ids = {p.sku: p.id for p in Product.select()}
    now = utcnow()
    bulk.insert(StockLevel, [{"product": ids[sku], "location": location.id, "on_hand": on_hand,
                              "reserved": reserved, "updated_at": now}
                             for sku, (on_hand, reserved) in levels.items()])
    bulk.insert(StockMovement, [{"at": now, "product": ids[sku], "location": location.id,
                                 "kind": MovementKind.OPENING.value, "on_hand_delta": on_hand,
                                 "reserved_delta": reserved}
                                for sku, (on_hand, reserved) in levels.items()])


def levels_at(location) -> dict[str, int]:
    return {sku: on_hand for sku, on_hand in StockLevel.select(Product.sku, StockLevel.on_hand)
            .join(Product).where(StockLevel.location == location).tuples()}


def make_feed(supplier, **fields) -> SupplierFeed:
    values = {"supplier": supplier, "location": supplier.location, "name": "Nordwest stock",
              "source": "folder", "folder": "nordwest", "filename_pattern": "*.csv",
              "format": "csv", "delimiter": ";", "encoding": "utf-8",
              "mapping": {"sku": "Artikel", "quantity": "Bestand"}}
    values.update(fields)
    values["mapping"] = json.dumps(values["mapping"])
    return SupplierFeed.create(**values)
