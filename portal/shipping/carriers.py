"""Carriers: who takes a parcel, under which service, for what price, and how it is
tracked. ``Carrier`` is the interface; ``HouseCarrier`` the built-in one.

Shipping rules are data (``HOUSE_RULES``): per service the countries it serves and its
weight bands, each band's upper limit inclusive. ``quote(country, weight)`` returns the
first service of the country that takes the weight (or the named service).

House tracking numbers follow UPU S10, the format postal scanners know:
``HC`` + 8-digit serial + check digit + ``DE`` (13 characters, e.g. ``HC473124829DE``).
The check digit weights the serial's digits 8 6 4 2 3 5 9 7, takes the sum modulo 11 and
subtracts it from 11; 10 becomes 0 and 11 becomes 5.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.shipping import services
from portal.shipping.errors import NotShippable, ShippingInvalid
from portal.suppliers.countries import ISO_COUNTRIES

DEFAULT_TRACKING_URL = "https://track.example.com/{tracking_number}"
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
MAX_WEIGHT_KG = Decimal("1000")  # anything heavier is a typo, not a parcel


@dataclass(frozen=True)
class WeightBand:
    """Parcels up to ``max_kg`` (inclusive) cost ``price``."""

    max_kg: Decimal
    price: Decimal


@dataclass(frozen=True)
class ShippingRule:
    """A service to some countries, priced by weight bands (ascending ``max_kg``)."""

    service: str
    countries: frozenset[str]
    bands: tuple[WeightBand, ...]
    currency: str = "EUR"

    @property
    def max_kg(self) -> Decimal:
        return self.bands[-1].max_kg


@dataclass(frozen=True)
class Quote:
    """The answer to "how does this parcel go?": carrier, service, price."""

    carrier: str
    service: str
    service_name: str
    price: Decimal
    currency: str
    weight_kg: Decimal


def rule(service: str, countries: str, *bands: tuple[str, str]) -> ShippingRule:
    """A rule written compactly: ``rule("STD", "DE", ("1", "4.49"), ("31.5", "16.49"))``."""
    return ShippingRule(service, frozenset(countries.split()),
                        tuple(WeightBand(Decimal(kg), Decimal(price)) for kg, price in bands))


EU_NEAR = "AT BE CZ DK FR LU NL PL"
EU_FAR = "BG CY EE ES FI GR HR HU IE IT LT LV MT PT RO SE SI SK"

# Tried from the top; the first rule of a country that takes the weight is its default.
HOUSE_RULES: tuple[ShippingRule, ...] = (
    rule("STD", "DE", ("1", "4.49"), ("5", "5.99"), ("10", "8.49"), ("31.5", "16.49")),
    rule("EXP", "DE", ("5", "11.99"), ("31.5", "24.99")),
    rule("EU", EU_NEAR, ("5", "13.99"), ("20", "19.99"), ("31.5", "29.99")),
    rule("EU", EU_FAR, ("5", "17.99"), ("20", "26.99"), ("31.5", "36.99")),
    rule("INT", "CH GB LI NO", ("5", "24.99"), ("20", "39.99")),
)

SERVICE_NAMES = {
    "STD": _l("Standard parcel"),
    "EXP": _l("Express parcel"),
    "EU": _l("EU parcel"),
    "INT": _l("International parcel"),
}
# Shipment.carrier on screen; "external": a number a WMS reported from its own carrier.
CARRIER_NAMES = {
    "house": _l("House carrier"),
    "external": _l("The warehouse's own carrier"),
}


def parse_weight(weight: object) -> Decimal:
    """``weight`` in kg as a Decimal (3 places); a ShippingInvalid for anything that is
    not a positive, sensible number."""
    try:
        kg = Decimal(str(weight).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        kg = None
    if kg is None or not kg.is_finite() or kg <= 0 or kg > MAX_WEIGHT_KG:
        raise ShippingInvalid(_("The weight must be a number of kilograms above 0."),
                              fields={"weight": _("Enter the weight in kg, e.g. 2.5.")})
    return kg.quantize(Decimal("0.001"))


def format_kg(kg: Decimal) -> str:
    """``Decimal("2.500")`` as ``"2.5"``, ``Decimal("40")`` as ``"40"``."""
    text = f"{kg:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def parse_country(country: object) -> str:
    """An ISO 3166-1 alpha-2 code, upper-cased; a ShippingInvalid otherwise."""
    code = str(country or "").strip().upper()
    if code not in ISO_COUNTRIES:
        raise ShippingInvalid(_("%(country)s is not a country code (ISO 3166-1, e.g. DE).",
                                country=code or "''"),
                              fields={"country": _("Enter a two-letter country code.")})
    return code


def choose_service(carrier: Carrier, rules: tuple[ShippingRule, ...], country: object,
                   weight: object, service: str | None = None) -> Quote:
    """The first of ``carrier``'s ``rules`` for ``country`` (and ``service``, when named)
    whose bands take ``weight``, as a Quote; NotShippable names why none does."""
    code, kg = parse_country(country), parse_weight(weight)
    serving = [r for r in rules if code in r.countries]
    if service:
        serving = [r for r in serving if r.service == service]
    if not serving:
        if service:
            raise NotShippable(_("Service %(service)s does not go to %(country)s.",
                                 service=service, country=code),
                               fields={"service": _("Not offered to this country.")})
        raise NotShippable(_("Carrier %(carrier)s does not ship to %(country)s.",
                             carrier=carrier.name, country=code),
                           fields={"country": _("Not served by this carrier.")})
    for candidate in serving:
        for band in candidate.bands:
            if kg <= band.max_kg:
                return Quote(carrier.code, candidate.service,
                             str(SERVICE_NAMES.get(candidate.service, candidate.service)),
                             band.price, candidate.currency, kg)
    heaviest = format_kg(max(r.max_kg for r in serving))
    raise NotShippable(_("Parcels to %(country)s may weigh at most %(max)s kg; this one "
                         "weighs %(weight)s kg.", country=code, max=heaviest,
                         weight=format_kg(kg)),
                       fields={"weight": _("At most %(max)s kg.", max=heaviest)})


def s10_check_digit(serial: str) -> int:
    """The UPU S10 check digit of an 8-digit serial (see the module docstring)."""
    if len(serial) != 8 or not (serial.isascii() and serial.isdigit()):
        raise ValueError("an S10 serial has 8 digits")
    check = 11 - sum(int(d) * w for d, w in zip(serial, S10_WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(check, check)


class Carrier(ABC):
    """What the portal needs from a carrier. Implementations write nothing themselves:
    issuing numbers goes through ``portal.shipping.services``."""

    code: str
    name: str

    @abstractmethod
    def issue_tracking_number(self) -> str:
        """A new tracking number, never issued before."""

    @abstractmethod
    def is_valid_tracking_number(self, number: str) -> bool:
        """True when ``number`` has this carrier's format and check digit."""

    @abstractmethod
    def tracking_url(self, number: str) -> str:
        """Where the customer follows the parcel ``number``."""

    @abstractmethod
    def quote(self, country: object, weight: object, service: str | None = None) -> Quote:
        """Service and price for a parcel of ``weight`` kg to ``country``."""


class HouseCarrier(Carrier):
    """The retailer's own delivery service: S10 tracking numbers from the database's
    registry, tracking URLs from a template, prices from ``HOUSE_RULES``."""

    code = "house"
    name = "House Carrier"
    pattern = re.compile(r"^([A-Z]{2})(\d{8})(\d)([A-Z]{2})$")

    def __init__(self, tracking_url_template: str = DEFAULT_TRACKING_URL,
                 rules: tuple[ShippingRule, ...] = HOUSE_RULES, public_url: str = "",
                 service_letters: str = "HC", country: str = "DE"):
        if "{tracking_number}" not in tracking_url_template:
            raise ValueError("the tracking URL template needs {tracking_number}")
        tracking_url_template.format(tracking_number="", public_url="")  # KeyError if wrong
        if not (re.fullmatch(r"[A-Z]{2}", service_letters) and re.fullmatch(r"[A-Z]{2}",
                                                                            country)):
            raise ValueError("S10 service indicator and country are two capital letters")
        self.template = tracking_url_template
        self.rules = rules
        self.public_url = public_url.rstrip("/")
        self.letters, self.country = service_letters, country

    def tracking_number_for(self, serial: int) -> str | None:
        """The tracking number of ``serial``; None beyond the 8-digit range."""
        if not 0 < serial < 10 ** 8:
            return None
        digits = f"{serial:08d}"
        return f"{self.letters}{digits}{s10_check_digit(digits)}{self.country}"

    def issue_tracking_number(self) -> str:
        return services.issue_tracking_number(self.code, self.tracking_number_for)

    def is_valid_tracking_number(self, number: str) -> bool:
        match = self.pattern.match(number or "")
        return bool(match and match[1] == self.letters and match[4] == self.country
                    and s10_check_digit(match[2]) == int(match[3]))

    def tracking_url(self, number: str) -> str:
        return self.template.format(tracking_number=number, public_url=self.public_url)

    def quote(self, country: object, weight: object, service: str | None = None) -> Quote:
        return choose_service(self, self.rules, country, weight, service)


def house_carrier() -> HouseCarrier:
    """The house carrier as configured (``HOUSE_CARRIER_TRACKING_URL``, ``PUBLIC_URL``)."""
    if not has_app_context():
        return HouseCarrier()
    config = current_app.config
    return HouseCarrier(config.get("HOUSE_CARRIER_TRACKING_URL") or DEFAULT_TRACKING_URL,
                        public_url=config.get("PUBLIC_URL", ""))


CARRIERS = {"house": house_carrier}


def get_carrier(code: str) -> Carrier:
    """The carrier named ``code``; a ShippingInvalid for an unknown one."""
    factory = CARRIERS.get(code)
    if factory is None:
        raise ShippingInvalid(_("Unknown carrier %(carrier)s.", carrier=code),
                              fields={"carrier": _("Choose a carrier.")})
    return factory()
