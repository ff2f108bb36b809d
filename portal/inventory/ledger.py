"""The ledger is the truth: levels must equal the sums of their movements.

``check_levels`` lists every difference; ``rebuild_levels`` repairs levels from
the ledger. Both back the ``flask --app portal stock check|rebuild`` commands.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from peewee import fn

from portal.db import transaction, utcnow
from portal.inventory.models import Product, StockLevel, StockMovement
from portal.locations.models import Location


@dataclass(frozen=True)
class Difference:
    product_id: int
    location_id: int
    level: tuple[int, int, int]   # on_hand, reserved, safety_stock as stored
    ledger: tuple[int, int, int]  # the same, summed from the movements

    def describe(self) -> str:
        sku = Product.get_by_id(self.product_id).sku
        code = Location.get_by_id(self.location_id).code
        # A catalogue message: the stock-check job's report shows it in the reader's words.
        return str(_l("%(sku)s @ %(location)s: on hand/reserved/safety stock %(level)s, but "
                      "the ledger says %(ledger)s", sku=sku, location=code,
                      level="/".join(map(str, self.level)),
                      ledger="/".join(map(str, self.ledger))))


def ledger_sums() -> dict[tuple[int, int], tuple[int, int, int]]:
    """Sum of deltas per (product, location)."""
    query = (StockMovement
             .select(StockMovement.product, StockMovement.location,
                     fn.SUM(StockMovement.on_hand_delta), fn.SUM(StockMovement.reserved_delta),
                     fn.SUM(StockMovement.safety_delta))
             .group_by(StockMovement.product, StockMovement.location).tuples())
    return {(p, loc): (int(a), int(b), int(c)) for p, loc, a, b, c in query.iterator()}


def check_levels() -> list[Difference]:
    """Every stock row whose quantities differ from its ledger (missing rows count as 0)."""
    sums = ledger_sums()
    levels = {(p, loc): (a, b, c) for p, loc, a, b, c in StockLevel.select(
        StockLevel.product, StockLevel.location, StockLevel.on_hand, StockLevel.reserved,
        StockLevel.safety_stock).tuples().iterator()}
    differences = []
    for key in sums.keys() | levels.keys():
        stored, summed = levels.get(key, (0, 0, 0)), sums.get(key, (0, 0, 0))
        if stored != summed:
            differences.append(Difference(key[0], key[1], stored, summed))
    return sorted(differences, key=lambda d: (d.product_id, d.location_id))


def rebuild_levels() -> int:
    """Set every differing level to its ledger sums; return how many rows changed."""
    with transaction():
        differences = check_levels()
        for diff in differences:
            on_hand, reserved, safety = diff.ledger
            (StockLevel.insert(product=diff.product_id, location=diff.location_id,
                               updated_at=utcnow()).on_conflict_ignore().execute())
            (StockLevel.update(on_hand=on_hand, reserved=reserved, safety_stock=safety,
                               updated_at=utcnow())
             .where(StockLevel.product == diff.product_id,
                    StockLevel.location == diff.location_id).execute())
    return len(differences)
