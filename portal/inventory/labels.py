"""How movement kinds, adjustment reasons, ledger reasons and sales channels are named
on screen."""

from flask_babel import lazy_gettext as _l

from portal.inventory.status import AdjustmentReason
from portal.wording import Wording, reword

MOVEMENT_LABELS = {
    "opening": _l("Opening balance"),
    "receipt": _l("Receipt"),
    "sale": _l("Shipped / sold"),
    "reservation": _l("Reserved"),
    "release": _l("Released"),
    "adjustment": _l("Adjustment"),
    "transfer_out": _l("Transfer out"),
    "transfer_in": _l("Transfer in"),
    "return": _l("Return"),
    "feed_sync": _l("Feed sync"),
    "safety_stock": _l("Safety stock"),
}

CHANNEL_LABELS = {
    "web": _l("Web shop"),
    "store": _l("In-store sale"),
    "order_in_store": _l("Order in Store"),
    "marketplace": _l("Marketplace"),
}

REASON_LABELS = {
    AdjustmentReason.DAMAGE: _l("Damaged"),
    AdjustmentReason.THEFT: _l("Theft / loss"),
    AdjustmentReason.CORRECTION: _l("Correction"),
    AdjustmentReason.COUNT: _l("Stock count"),
}


def _adjustment(code: str) -> str:
    return str(REASON_LABELS.get(code, code))


_ADJUSTED = "(?P<reason>count|damage|theft|correction)"
_IMPORTED = Wording(r"import: (?P<file>.+)", _l("CSV import: %(file)s"))
_INCOMING = Wording(r"incoming #(?P<id>\d+)", _l("incoming delivery #%(id)s"))

# The reasons the services write on ledger rows, by movement kind, in the reader's
# words (``movement_reason``). The stored text stays as written: old rows, the CSV
# export and the rebuild read it. Domains that move stock for reasons of their own
# (returns, pickups) add their wordings to their kind here.
REASON_WORDINGS: dict[str, list[Wording]] = {
    "adjustment": [Wording(_ADJUSTED, "%(reason)s", {"reason": _adjustment}),
                   Wording(_ADJUSTED + ": (?P<note>.*)", "%(reason)s: %(note)s",
                           {"reason": _adjustment}),
                   _IMPORTED],
    "safety_stock": [Wording(r"safety stock (?P<old>-?\d+) → (?P<new>-?\d+)",
                             _l("Safety stock %(old)s → %(new)s")),
                     _IMPORTED],
    "transfer_out": [Wording(r"to (?P<location>\S+)", _l("to %(location)s"))],
    "transfer_in": [Wording(r"from (?P<location>\S+)", _l("from %(location)s")), _INCOMING],
    "receipt": [_INCOMING],
    "reservation": [Wording(r"transfer to (?P<location>\S+)",
                            _l("held for the transfer to %(location)s")),
                    Wording(r"promised units arrived",
                            _l("Promised units of an incoming delivery arrived"))],
    "feed_sync": [Wording(r"feed (?P<name>.+): (?P<file>[^:]*)",
                          _l("Supplier feed %(name)s: %(file)s"))],
    "opening": [Wording(r"Demo opening balance", _l("Demo opening balance"))],
    "return": [],
}


def movement_reason(kind: str, reason: str) -> str:
    """A ledger row's reason in the reader's language (a typed note as it was typed)."""
    return reword(reason, REASON_WORDINGS.get(kind, ()))
