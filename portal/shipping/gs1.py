"""GS1 numbers on parcels: the mod-10 check digit, SSCC-18 and its GS1-128 element string.

An SSCC (Serial Shipping Container Code) names one parcel worldwide:

    extension digit (1) + GS1 company prefix (7-10) + serial reference (9-6) + check digit (1)

The company prefix is the retailer's (config ``GS1_COMPANY_PREFIX``); the default
``4012345`` is the prefix GS1 Germany prints in its own examples, so labels made with it
are plainly test labels. On a label the SSCC is the element string ``(00)`` + 18 digits in
a GS1-128 barcode: Code 128 that starts with FNC1, which tells a scanner "GS1 data
follows". Scanners send the digits without the FNC1, e.g. ``00106141412345678908``.
"""

from __future__ import annotations

from flask import current_app, has_app_context
from flask_babel import gettext as _

from portal.errors import DomainError

DEFAULT_COMPANY_PREFIX = "4012345"  # GS1 Germany's example prefix: a test prefix
SSCC_AI = "00"                      # the application identifier of an SSCC
FNC1 = "\xf1"                       # how reportlab's Code128 spells FNC1


class GS1Invalid(DomainError):
    """A GS1 number that is malformed or whose check digit is wrong."""


def check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit of ``digits`` (without their check digit).

    From the right, digits are weighted 3, 1, 3, 1, ...; the check digit tops the sum up
    to a multiple of ten. The same rule serves GTIN-8/12/13/14 and SSCC-18.
    """
    if not digits.isdigit() or not digits.isascii():
        raise GS1Invalid(_("Only digits can carry a GS1 check digit."))
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def is_valid(number: str) -> bool:
    """True when the last digit of ``number`` is the GS1 check digit of the others."""
    return (len(number) >= 2 and number.isascii() and number.isdigit()
            and check_digit(number[:-1]) == int(number[-1]))


def company_prefix() -> str:
    """The configured GS1 company prefix (``GS1_COMPANY_PREFIX``), checked."""
    prefix = DEFAULT_COMPANY_PREFIX
    if has_app_context():
        prefix = str(current_app.config.get("GS1_COMPANY_PREFIX") or prefix)
    return _checked_prefix(prefix)


def _checked_prefix(prefix: str) -> str:
    if not (prefix.isascii() and prefix.isdigit() and 7 <= len(prefix) <= 10):
        raise GS1Invalid(_("A GS1 company prefix has 7 to 10 digits."))
    return prefix


def serial_capacity(prefix: str) -> int:
    """How many serial references fit beside ``prefix`` (10**(16 - prefix length))."""
    return 10 ** (16 - len(_checked_prefix(prefix)))


def build_sscc(serial: int, extension: int = 0, prefix: str | None = None) -> str:
    """The 18-digit SSCC for ``serial`` under ``prefix`` (default: the configured one).

    ``extension`` (0-9) is the retailer's free first digit, e.g. one per warehouse, so
    that several places can number parcels without sharing a counter.
    """
    prefix = _checked_prefix(prefix) if prefix is not None else company_prefix()
    if not 0 <= extension <= 9:
        raise GS1Invalid(_("The SSCC extension digit is a single digit (0-9)."))
    capacity = serial_capacity(prefix)
    if not 0 <= serial < capacity:
        raise GS1Invalid(_("SSCC serial %(serial)s does not fit beside company prefix "
                           "%(prefix)s (at most %(most)s).", serial=serial, prefix=prefix,
                           most=capacity - 1))
    body = f"{extension}{prefix}{serial:0{16 - len(prefix)}d}"
    return body + str(check_digit(body))


def validate_sscc(sscc: str) -> str:
    """``sscc`` without spaces or a leading "(00)", if it is 18 digits with a valid
    check digit; else a GS1Invalid naming the problem."""
    text = "".join(sscc.split())
    if text.startswith(f"({SSCC_AI})"):
        text = text[len(SSCC_AI) + 2:]
    if len(text) != 18 or not (text.isascii() and text.isdigit()):
        raise GS1Invalid(_("An SSCC has 18 digits."))
    if not is_valid(text):
        raise GS1Invalid(_("The check digit of SSCC %(sscc)s is wrong.", sscc=text))
    return text


def sscc_barcode_data(sscc: str) -> str:
    """What reportlab's Code128 encodes for the SSCC's GS1-128 barcode: FNC1, "00", SSCC.

    Code128 then starts in code set C, so FNC1 plus ten digit pairs make the symbol.
    """
    return f"{FNC1}{SSCC_AI}{validate_sscc(sscc)}"


def sscc_scanned(sscc: str) -> str:
    """What a scanner (zbarimg) reports for the SSCC's barcode: the AI and the 18 digits;
    the leading FNC1 only marks the symbol as GS1-128 (zbar: ``modifiers='GS1'``)."""
    return f"{SSCC_AI}{validate_sscc(sscc)}"


def sscc_text(sscc: str) -> str:
    """The human-readable line under the barcode: ``(00) 1 4012345 000000001 8``, the
    extension, company prefix, serial reference and check digit apart."""
    sscc = validate_sscc(sscc)
    prefix = company_prefix() if sscc[1:].startswith(company_prefix()) else None
    if prefix is None:
        return f"({SSCC_AI}) {sscc[0]} {sscc[1:17]} {sscc[17]}"
    cut = 1 + len(prefix)
    return f"({SSCC_AI}) {sscc[0]} {sscc[1:cut]} {sscc[cut:17]} {sscc[17]}"
