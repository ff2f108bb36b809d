"""Shared by the CSV import tests: a file from text, errors by line, a snapshot of
everything an import may touch, and a good products file."""

from __future__ import annotations

from portal.audit.models import AuditEvent
from portal.inventory.models import Product, StockLevel, StockMovement
from portal.locations.models import Location


def csv(text: str, encoding: str = "utf-8") -> bytes:
    return text.replace("\n", "\r\n").encode(encoding)


def errors_by_line(preview) -> dict[int | None, list[str]]:
    found: dict[int | None, list[str]] = {}
    for line, column, message in preview.errors:
        found.setdefault(line, []).append(f"{column}: {message}")
    return found


def snapshot() -> tuple:
    """Everything an import may touch, to prove that nothing changed."""
    return (list(Product.select().order_by(Product.id).tuples()),
            list(Location.select().order_by(Location.id).tuples()),
            list(StockLevel.select().order_by(StockLevel.id).tuples()),
            StockMovement.select().count(), AuditEvent.select().count())


GOOD_PRODUCTS = csv("""sku,ean,name,brand,category,price,weight_grams,tags,active
SNK-1,4012345000016,Runner schwarz,Nordkap,Sneaker,59.90,800,high-demand,1
JKT-7,4006381333931,Rain jacket,Nordkap,Jackets,1234.50,650,bulky  outdoor,true
CAP-2,,Cap,,Accessories,9.99,,,0
""")
