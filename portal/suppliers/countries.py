"""ISO 3166-1 alpha-2 country codes: which are valid, how they read, how they are typed.

The list of officially assigned codes is kept here rather than taken from babel, whose
territories also hold regions and reserved codes (EU, XK, ZZ, ...) that no address uses.
Country names come from babel in the reader's language.
"""

from __future__ import annotations

import re

from babel import Locale
from flask_babel import get_locale

# Every officially assigned code (249), as ISO publishes them.
_ASSIGNED = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
VN VU WF WS YE YT ZA ZM ZW
"""
ISO_COUNTRIES = frozenset(_ASSIGNED.split())

_SEPARATORS = re.compile(r"[\s,;/]+")


def parse_country_codes(text: str | list[str] | tuple[str, ...]) -> tuple[list[str], list[str]]:
    """``"de, at nl"`` (or a list of codes) as ``(["AT", "DE", "NL"], unknown)``.

    Codes are upper-cased, de-duplicated and sorted; ``unknown`` lists what is not an
    assigned ISO 3166-1 alpha-2 code, in the order it was typed.
    """
    parts = _SEPARATORS.split(text) if isinstance(text, str) else list(text)
    known: set[str] = set()
    unknown: list[str] = []
    for part in parts:
        code = (part or "").strip().upper()
        if not code:
            continue
        if code in ISO_COUNTRIES:
            known.add(code)
        elif code not in unknown:
            unknown.append(code)
    return sorted(known), unknown


def country_name(code: str) -> str:
    """The country's name in the current language ("Niederlande"), else the code."""
    try:
        locale = get_locale() or Locale("en")
    except RuntimeError:  # outside a request: English
        locale = Locale("en")
    return locale.territories.get(code, code)
