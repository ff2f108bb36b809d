"""The demo's supplier feed: Nordwest Textil drops a stock list (CSV, ``;``, German
headers) into ``FEED_DROP_DIR/nordwest``; the scheduler's ``feeds.import_all`` reads it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from portal.feeds.fetch import drop_dir
from portal.feeds.models import SupplierFeed
from portal.suppliers.models import Supplier

DEMO_FILE = Path(__file__).resolve().parent.parent / "demo" / "feeds" / "nordwest-bestand.csv"
FOLDER = "nordwest"


def create_demo_feed() -> int:
    """Copy the demo file into the drop folder and configure the feed, unless Nordwest or
    its warehouse is missing or the warehouse has a feed already; return feeds made."""
    supplier = Supplier.get_or_none(Supplier.code == "NORDWEST")
    if supplier is None or supplier.location_id is None or SupplierFeed.select().where(
            SupplierFeed.location == supplier.location_id).exists():
        return 0
    folder = drop_dir() / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / DEMO_FILE.name).exists():
        shutil.copyfile(DEMO_FILE, folder / DEMO_FILE.name)
    SupplierFeed.create(
        supplier=supplier, location=supplier.location_id, name="Nordwest Bestandsliste",
        source="folder", folder=FOLDER, filename_pattern="*.csv", format="csv",
        delimiter=";", encoding="utf-8", stale_after_hours=24, every_minutes=60,
        mapping=json.dumps({"sku": "Artikelnummer", "quantity": "Bestand"}))
    return 1
