"""Loads the demo retailer once: locations, products, stock with its opening ledger,
incoming deliveries, suppliers and demo users (password ``oms-demo``)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.db import transaction, utcnow
from portal.demo import data
from portal.feeds.demo import create_demo_feed
from portal.inventory.models import IncomingStock, Product, StockLevel, StockMovement
from portal.inventory.status import IncomingSource, MovementKind
from portal.locations.models import Location
from portal.locations.status import LocationKind
from portal.returns.models import RestockRule
from portal.returns.rules import create_rule
from portal.shipping.models import ParcelLocker
from portal.sourcing.models import RuleSet
from portal.sourcing.services import publish_new_version
from portal.suppliers.models import Supplier
from portal.suppliers.services import create_supplier, supplier_for_location

BATCH = 500


def ean13(body12: str) -> str:
    """Append the GS1 check digit to a 12-digit body."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def demo_loaded() -> bool:
    return Location.select().where(Location.code == data.STORES[0][0]).exists()


def load_demo(product_count: int = 2000, seed: int = 7) -> str:
    """Create the demo data in one transaction; a second call changes nothing."""
    if demo_loaded():
        # A database loaded before suppliers existed gets them now; otherwise nothing.
        with transaction():
            added = _create_suppliers()
            _create_rules()
            _create_lockers()
            _create_restock_rules()
            create_demo_feed()
        if added:
            return f"Demo data is already loaded; added {added} suppliers."
        return "Demo data is already loaded."
    rng = random.Random(seed)
    with transaction():
        locations = _create_locations()
        products = _create_products(rng, product_count)
        rows = _create_stock(rng, locations, products)
        incoming = _create_incoming(rng, locations, products)
        _create_users(locations)
        suppliers = _create_suppliers()
        _create_rules()
        _create_lockers()
        _create_restock_rules()
        create_demo_feed()
    return (f"Loaded {len(locations)} locations, {len(products)} products, {rows} stock rows, "
            f"{incoming} incoming deliveries, {suppliers} suppliers and "
            f"{len(data.STORES) + len(data.STAFF)} users.")


def _create_locations() -> list[Location]:
    locations = []
    for code, name, street, postcode, city, lat, lon, _email in data.STORES:
        locations.append(Location.create(
            code=code, name=name, kind=LocationKind.STORE, street=street, postcode=postcode,
            city=city, country="DE", latitude=lat, longitude=lon, ships=True, click_collect=True,
            locker_pickup=code in {"BER", "HAM", "MUC", "CGN"}, accepts_returns=True,
            daily_capacity=60, priority=50, shipment_cost=Decimal("6.90"),
            email=f"{code.lower()}@stores.example.com"))
    for code, name, kind, street, postcode, city, country, lat, lon, capacity in \
            data.OTHER_LOCATIONS:
        locations.append(Location.create(
            code=code, name=name, kind=kind, street=street, postcode=postcode, city=city,
            country=country, latitude=lat, longitude=lon, daily_capacity=capacity,
            ships=kind != LocationKind.MARKETPLACE, accepts_returns=kind == LocationKind.WAREHOUSE,
            priority=10 if kind == LocationKind.WAREHOUSE else 200,
            shipment_cost=Decimal("4.50") if kind == LocationKind.WAREHOUSE else None))
    return locations


def _create_suppliers() -> int:
    """Create the demo suppliers that are missing, each with its supplier location (one
    whose location is gone or belongs to another supplier is skipped); return how many."""
    made = 0
    for (code, name, contact, email, phone, lead_time, countries, dropship, location_code,
         notes) in data.SUPPLIERS:
        if Supplier.select().where(Supplier.code == code).exists():
            continue
        location = Location.get_or_none(Location.code == location_code)
        if location is None or supplier_for_location(location.id) is not None:
            continue
        create_supplier({"code": code, "name": name, "contact_name": contact,
                         "contact_email": email, "contact_phone": phone,
                         "lead_time_days": lead_time, "countries": list(countries),
                         "dropship": dropship, "active": True, "notes": notes,
                         "location": location}, actor=None)
        made += 1
    return made


def _create_rules() -> None:
    """Publish the demo sourcing rules unless a version exists already."""
    if not RuleSet.select().exists():
        publish_new_version(data.SOURCING_RULES, None, note="Demo rules")


def _create_products(rng: random.Random, count: int) -> list[Product]:
    rows = []
    for n in range(count):
        category, prefix, (low, high), (w_low, w_high), names = data.CATEGORIES[
            n % len(data.CATEGORIES)]
        brand = rng.choice(data.BRANDS)
        colour = rng.choice(data.COLOURS)
        model = rng.choice(names)
        price = Decimal(rng.randint(low, high)) - Decimal("0.01")
        tags = []
        if rng.random() < 0.08:
            tags.append("high-demand")
        if rng.random() < 0.05:
            tags.append("bulky")
        rows.append({
            "sku": f"{prefix}-{10000 + n:05d}",
            "ean": ean13(f"40{12345 + n // 100000:05d}{n % 100000:05d}"),
            "name": f"{brand} {model} {colour}",
            "brand": brand, "category": category, "price": price,
            "weight_grams": rng.randint(w_low, w_high), "tags": " ".join(tags),
        })
    for start in range(0, len(rows), BATCH):
        Product.insert_many(rows[start:start + BATCH]).execute()
    return list(Product.select().order_by(Product.id))


def _stock_for(rng: random.Random, location: Location, product: Product) -> tuple[int, int] | None:
    """(on_hand, safety_stock) for a product at a location, or None when not carried."""
    high = "high-demand" in product.tags
    if location.kind == LocationKind.STORE:
        if rng.random() > 0.6:
            return None
        on_hand = 0 if rng.random() < 0.12 else rng.randint(1, 25 if high else 12)
        return on_hand, rng.choice((0, 0, 1, 2))
    if location.kind == LocationKind.WAREHOUSE:
        if rng.random() > 0.9:
            return None
        on_hand = 0 if rng.random() < 0.05 else rng.randint(20, 600 if high else 250)
        return on_hand, rng.choice((0, 5, 10))
    if location.kind == LocationKind.MARKETPLACE:
        return (rng.randint(0, 40), 0) if rng.random() < 0.15 else None
    return (rng.randint(50, 2000), 0) if rng.random() < 0.5 else None  # supplier


def _create_stock(rng, locations, products) -> int:
    now = utcnow()
    levels, movements = [], []
    for location in locations:
        for product in products:
            stock = _stock_for(rng, location, product)
            if stock is None:
                continue
            on_hand, safety = stock
            levels.append({"product": product.id, "location": location.id, "on_hand": on_hand,
                           "safety_stock": safety, "updated_at": now,
                           "bin": _bin(product) if location.kind == LocationKind.WAREHOUSE
                           else ""})
            movements.append({"product": product.id, "location": location.id, "at": now,
                              "kind": MovementKind.OPENING, "on_hand_delta": on_hand,
                              "safety_delta": safety, "reason": "Demo opening balance",
                              "reference": "DEMO"})
    for start in range(0, len(levels), BATCH):
        StockLevel.insert_many(levels[start:start + BATCH]).execute()
        StockMovement.insert_many(movements[start:start + BATCH]).execute()
    return len(levels)


def _bin(product: Product) -> str:
    """A warehouse shelf place: aisle by category, then rack and level from the id."""
    aisle = "ABCDEFGH"[sum(map(ord, product.category)) % 8]
    return f"{aisle}-{product.id % 40 + 1:02d}-{product.id % 5 + 1}"


def _create_lockers() -> int:
    """Create the demo parcel lockers that are missing; return how many."""
    made = 0
    for code, name, street, postcode, city, store in data.LOCKERS:
        if ParcelLocker.select().where(ParcelLocker.code == code).exists():
            continue
        ParcelLocker.create(code=code, name=name, street=street, postcode=postcode, city=city,
                            location=Location.get_or_none(Location.code == store) if store
                            else None)
        made += 1
    return made


RESTOCK_RULES = (
    ("Damaged → refurbish", ["damaged"], "refurbish"),
    ("Needed elsewhere → transfer", ["new", "opened"], "transfer"),
    ("Everything else → back to stock", [], "restock"),
)


def _create_restock_rules() -> int:
    """The demo restock rules, when there are none yet; return how many were made."""
    if RestockRule.select().exists():
        return 0
    for name, conditions, action in RESTOCK_RULES:
        create_rule({"name": name, "conditions": conditions, "action": action}, None)
    return len(RESTOCK_RULES)


def _create_incoming(rng, locations, products) -> int:
    targets = [loc for loc in locations if loc.kind in (LocationKind.STORE, LocationKind.WAREHOUSE)]
    today = date.today()
    rows = []
    for n in range(400):
        location = rng.choice(targets)
        warehouse = location.kind == LocationKind.WAREHOUSE
        rows.append({
            "product": rng.choice(products).id, "location": location.id,
            "quantity": rng.randint(50, 400) if warehouse else rng.randint(2, 20),
            "expected_on": today + timedelta(days=rng.randint(-3, 21)),
            # Stores get direct deliveries too; transfers come from TransferOrders only.
            "source": IncomingSource.SUPPLIER_ORDER,
            "reference": f"{'PO' if warehouse else 'DSD'}-{today.year}-{1000 + n}",
        })
    IncomingStock.insert_many(rows).execute()
    return len(rows)


def _create_users(locations: list[Location]) -> None:
    by_code = {loc.code: loc for loc in locations}
    for email, name, role in data.STAFF:
        User.create(email=email, name=name, role=role, language="en",
                    password_hash=hash_password(data.DEMO_PASSWORD))
    for code, store_name, *_rest, local in data.STORES:
        User.create(email=f"{local}@example.com", name=f"Team {store_name.split()[0]}",
                    role="employee", home_store=by_code[code], language="de",
                    password_hash=hash_password(data.DEMO_PASSWORD))
