"""What goes on a parcel label (``LabelData``), checked when it is made.

Every label carries the sender and the recipient (or the parcel locker or pickup store
it goes to), the order number, parcel n of m and its weight, the tracking number as
Code128, the SSCC as GS1-128 when the parcel has one, and a QR code of the tracking URL.
Return labels carry a black RETOURE / RETURN band.

The printed words are bilingual German / English constants, not the clerk's language:
the label is read by the carrier and the recipient, not by whoever printed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from babel import Locale
from flask_babel import gettext as _

from portal.shipping import gs1
from portal.shipping.carriers import format_kg, parse_country, parse_weight
from portal.shipping.errors import ShippingInvalid

MAX_CODE128_LENGTH = 40
_ENGLISH = Locale("en")

# The label's own words (see the module docstring for why they are not translated).
TEXT = {
    "sender": "Absender / Sender",
    "recipient": "Empfänger / Recipient",
    "order": "Auftrag / Order",
    "parcel": "Paket / Parcel",
    "weight": "Gewicht / Weight",
    "tracking": "Sendungsnummer / Tracking number",
    "track": "Sendungsverfolgung / Tracking",
    "sscc": "SSCC / NVE",
    "return": "RETOURE / RETURN",
    "locker": "Packstation / Parcel locker",
    "pickup": "Abholfiliale / Pickup store",
    "for": "für / for",
    "rma": "RMA",
}


@dataclass(frozen=True)
class Address:
    """A postal address as printed: name, optional extra line (company, c/o), street,
    postcode, city and ISO country code."""

    name: str
    street: str
    postcode: str
    city: str
    country: str = "DE"
    extra: str = ""

    def __post_init__(self):
        object.__setattr__(self, "country", parse_country(self.country))
        for name in ("name", "street", "city"):
            if not str(getattr(self, name) or "").strip():
                raise ShippingInvalid(_("An address needs a name, a street and a city."),
                                      fields={name: _("Required.")})

    def city_line(self) -> str:
        return f"{self.postcode} {self.city}".strip()


def country_line(address: Address, origin: str) -> str:
    """The country in English capitals, as the UPU asks for abroad; empty at home."""
    if address.country == origin:
        return ""
    return _ENGLISH.territories.get(address.country, address.country).upper()


@dataclass(frozen=True)
class LabelData:
    """Everything one parcel label shows. ``sscc`` (18 digits) is optional; a locker
    delivery names ``locker_id`` and ``locker_address``, a delivery to a store for
    pickup names ``pickup_store``; ``is_return`` makes it a return label."""

    sender: Address
    recipient: Address
    order_number: str
    tracking_number: str
    tracking_url: str
    weight_kg: Decimal
    service: str
    sscc: str | None = None
    parcel_no: int = 1
    parcel_count: int = 1
    service_name: str = ""
    carrier_name: str = "House Carrier"
    locker_id: str = ""
    locker_address: Address | None = None
    pickup_store: Address | None = None
    is_return: bool = False
    rma_number: str = ""

    def __post_init__(self):
        object.__setattr__(self, "weight_kg", parse_weight(self.weight_kg))
        if self.sscc is not None:
            try:
                object.__setattr__(self, "sscc", gs1.validate_sscc(self.sscc))
            except gs1.GS1Invalid as error:
                raise ShippingInvalid(error.message, fields={"sscc": error.message}) from None
        number = self.tracking_number or ""
        if not (0 < len(number) <= MAX_CODE128_LENGTH and number.isascii()
                and number.isprintable()):
            raise ShippingInvalid(_("A tracking number is 1 to %(most)s printable ASCII "
                                    "characters.", most=MAX_CODE128_LENGTH),
                                  fields={"tracking_number": _("Not printable as Code128.")})
        if not self.tracking_url or len(self.tracking_url) > 500:
            raise ShippingInvalid(_("A label needs a tracking URL (at most 500 characters)."),
                                  fields={"tracking_url": _("Required.")})
        if not 1 <= self.parcel_no <= self.parcel_count:
            raise ShippingInvalid(_("Parcel %(no)s of %(count)s does not exist.",
                                    no=self.parcel_no, count=self.parcel_count),
                                  fields={"parcel_no": _("Between 1 and the parcel count.")})
        if bool(self.locker_id) != (self.locker_address is not None):
            raise ShippingInvalid(_("A locker delivery needs the locker's id and address."),
                                  fields={"locker_id": _("Locker id and address go together.")})
        if self.locker_id and self.pickup_store is not None:
            raise ShippingInvalid(_("A parcel goes to a locker or to a pickup store, not "
                                    "both."), fields={"pickup_store": _("Choose one.")})
        if not self.order_number or not self.service:
            raise ShippingInvalid(_("A label needs the order number and the service."),
                                  fields={"order_number": _("Required.")})

    @property
    def destination(self) -> Address:
        """Where the parcel physically goes: the locker, the pickup store or the
        recipient."""
        return self.locker_address or self.pickup_store or self.recipient

    def weight_text(self) -> str:
        return f"{format_kg(self.weight_kg)} kg"

    def parcel_text(self) -> str:
        return f"{self.parcel_no} / {self.parcel_count}"

    def fact_rows(self) -> list[list[tuple[str, str]]]:
        """The parcel's facts beside the sender, as rows of (caption, value): the order
        (and RMA of a return), then parcel n / m and the weight side by side."""
        rows = [[(TEXT["order"], self.order_number)],
                [(TEXT["parcel"], self.parcel_text()), (TEXT["weight"], self.weight_text())]]
        if self.rma_number:
            rows.insert(1, [(TEXT["rma"], self.rma_number)])
        return rows

    def recipient_lines(self) -> list[tuple[str, str]]:
        """The recipient block as (style, text) pairs, top down. Styles: ``note`` (small
        caption), ``name``, ``line``, ``strong`` (locker id), ``city`` (routing line)."""
        lines: list[tuple[str, str]] = []
        target = self.destination
        if self.locker_address is not None:
            lines += [("name", self.recipient.name),
                      ("strong", f"{TEXT['locker']} {self.locker_id}")]
            if target.name and target.name != self.recipient.name:
                lines.append(("line", target.name))
        elif self.pickup_store is not None:
            lines += [("note", TEXT["pickup"]), ("name", target.name),
                      ("line", f"{TEXT['for']}: {self.recipient.name}")]
        else:
            lines.append(("name", target.name))
        if target.extra:
            lines.append(("line", target.extra))
        lines += [("line", target.street), ("city", target.city_line())]
        if country := country_line(target, self.sender.country):
            lines.append(("strong", country))
        return lines

    def sender_lines(self) -> list[str]:
        lines = [self.sender.name, self.sender.extra, self.sender.street,
                 self.sender.city_line(), country_line(self.sender, self.destination.country)]
        return [line for line in lines if line]
