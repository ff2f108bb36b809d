"""The counter's basket: what an employee is about to sell, kept in the signed session
cookie until checkout, and what the screen shows about it (stock here and nearby).

Each line has a *source*: this store when it has the units, otherwise the location the
employee picked ("Order in Store"). Checkout turns the basket into an order through
``place_order`` with those sources; nothing is reserved before that.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from portal.errors import DomainError
from portal.inventory.models import Product
from portal.inventory.search import matches_text
from portal.inventory.status import Channel
from portal.locations.directory import location_directory
from portal.locations.models import Location
from portal.locations.services import distance_km
from portal.orders.allocation import sellable_units

SESSION_KEY = "counter_basket"
MAX_LINES = 30        # the session cookie stays well under 4 kB
MAX_QUANTITY = 99
MAX_SOURCES = 8       # other locations offered per line, nearest first


class BasketError(DomainError):
    status = 400


@dataclass
class BasketLine:
    sku: str
    quantity: int
    source: str  # location code the units come from


@dataclass
class Basket:
    store: str = ""  # code of the store where the sale happens
    lines: list[BasketLine] = field(default_factory=list)

    @classmethod
    def load(cls, session) -> Basket:
        raw = session.get(SESSION_KEY) or {}
        try:
            return cls(store=str(raw.get("store", "")),
                       lines=[BasketLine(str(x["sku"]), int(x["quantity"]), str(x["source"]))
                              for x in raw.get("lines", [])][:MAX_LINES])
        except (KeyError, TypeError, ValueError, AttributeError):
            return cls()  # an unreadable old cookie: start afresh

    def save(self, session) -> None:
        session[SESSION_KEY] = {"store": self.store,
                                "lines": [asdict(line) for line in self.lines]}

    def line(self, sku: str) -> BasketLine | None:
        return next((line for line in self.lines if line.sku == sku), None)

    def add(self, product: Product, quantity: int = 1) -> None:
        """Add units; a new line's source is this store when it has them, else the
        nearest location that has them all."""
        line = self.line(product.sku)
        if line is None and len(self.lines) >= MAX_LINES:
            raise BasketError(str(_l("A sale has at most %(n)s lines.", n=MAX_LINES)))
        wanted = (line.quantity if line else 0) + quantity
        if wanted > MAX_QUANTITY:
            raise BasketError(str(_l("At most %(n)s units per line.", n=MAX_QUANTITY)))
        if line is None:
            self.lines.append(BasketLine(product.sku, wanted, self._default_source(product,
                                                                                   wanted)))
        else:
            line.quantity = wanted

    def set_quantity(self, sku: str, quantity: int | None) -> None:
        line = self._existing(sku)
        if quantity is None or not 0 <= quantity <= MAX_QUANTITY:
            raise BasketError(str(_l("Enter a quantity from 0 to %(n)s.", n=MAX_QUANTITY)))
        if quantity == 0:
            self.lines.remove(line)
        else:
            line.quantity = quantity

    def set_source(self, sku: str, code: str) -> None:
        line = self._existing(sku)
        product = Product.get(Product.sku == sku)
        if code not in {option.code for option in source_options(self.store, [product])[sku]}:
            raise BasketError(str(_l("%(code)s has no units of %(sku)s for sale.",
                                     code=code, sku=sku)))
        line.source = code

    def _existing(self, sku: str) -> BasketLine:
        line = self.line(sku)
        if line is None:
            raise BasketError(str(_l("%(sku)s is not in the basket.", sku=sku)))
        return line

    def _default_source(self, product: Product, quantity: int) -> str:
        options = source_options(self.store, [product])[product.sku]
        enough = [o for o in options if o.units >= quantity]
        here = next((o for o in enough if o.here), None)
        return (here or (enough[0] if enough else None) or _Here(self.store)).code


@dataclass(frozen=True)
class _Here:
    code: str


@dataclass(frozen=True)
class SourceOption:
    """A location that can sell units of one product to this counter."""

    code: str
    name: str
    kind: str
    units: int
    km: float | None
    here: bool


def source_options(store_code: str, products: list[Product]) -> dict[str, list[SourceOption]]:
    """Per SKU: this store first (even with nothing to sell), then other stores and
    warehouses with sellable units, nearest first."""
    if not products:
        return {}
    directory = location_directory()
    store = next((p for p in directory.values() if p.code == store_code), None)
    ids = [p.id for p in products]
    here_stock = sellable_units(ids, Channel.STORE)
    other_stock = sellable_units(ids, Channel.ORDER_IN_STORE)
    names = dict(Location.select(Location.id, Location.name)
                 .where(Location.id.in_(list(other_stock) + ([store.id] if store else [])))
                 .tuples())
    result: dict[str, list[SourceOption]] = {}
    for product in products:
        options = []
        if store is not None:
            units = here_stock.get(store.id, {}).get(product.id, (0, 0))[0]
            options.append(SourceOption(store.code, names.get(store.id, store.code), store.kind,
                                        units, 0.0, True))
        others = []
        for location_id, stock in other_stock.items():
            if store is not None and location_id == store.id or product.id not in stock:
                continue
            place = directory[location_id]
            km = (distance_km(store.latitude, store.longitude, place.latitude, place.longitude)
                  if store is not None and None not in (store.latitude, place.latitude)
                  else None)
            others.append(SourceOption(place.code, names.get(location_id, place.code),
                                       place.kind, stock[product.id][0], km, False))
        others.sort(key=lambda o: (o.km is None, o.km or 0, -o.units, o.code))
        result[product.sku] = options + others[:MAX_SOURCES]
    return result


@dataclass
class LineView:
    line: BasketLine
    product: Product
    options: list[SourceOption]

    @property
    def chosen(self) -> SourceOption | None:
        return next((o for o in self.options if o.code == self.line.source), None)

    @property
    def enough(self) -> bool:
        return self.chosen is not None and self.chosen.units >= self.line.quantity

    @property
    def subtotal(self) -> Decimal:
        return self.product.price * self.line.quantity


def basket_view(basket: Basket) -> dict:
    """Everything the basket panel shows, read fresh from the stock pool."""
    skus = [line.sku for line in basket.lines]
    products = {p.sku: p for p in Product.select().where(Product.sku.in_(skus))} if skus else {}
    options = source_options(basket.store, list(products.values()))
    rows = [LineView(line, products[line.sku], options.get(line.sku, []))
            for line in basket.lines if line.sku in products]
    return {"basket": basket, "rows": rows,
            "total": sum((row.subtotal for row in rows), Decimal("0.00")),
            "all_here": all(row.line.source == basket.store for row in rows),
            "ready": bool(rows) and all(row.enough for row in rows)}


def find_product(code: str) -> Product | None:
    """An active product by exact SKU or EAN (what a scanner types)."""
    code = code.strip()
    if not code:
        return None
    active = Product.active == True  # noqa: E712
    return (Product.get_or_none((Product.sku == code.upper()) & active)
            or (Product.get_or_none((Product.ean == code) & active) if code.isdigit() else None))


def suggest_products(text: str, limit: int = 8) -> list[Product]:
    """Products whose SKU or EAN starts with ``text`` or whose name or brand contains it."""
    text = text.strip()[:60]
    if len(text) < 2:
        return []
    return list(Product.select()
                .where((Product.active == True) & matches_text(text))  # noqa: E712
                .order_by(Product.sku).limit(limit))
