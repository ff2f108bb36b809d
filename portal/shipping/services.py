"""The writers of the shipping domain: issuing tracking numbers and SSCCs.

A number is issued in one short transaction: insert a registry row (its id is the next
serial of a database sequence, so concurrent issuers never draw the same one), build the
number from that serial, write it into the row. The unique index on the number would
refuse a duplicate, and an exhausted range rolls the insert back.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _

from portal.db import transaction
from portal.shipping import gs1
from portal.shipping.errors import NumbersExhausted
from portal.shipping.models import Sscc, TrackingNumber


def issue_tracking_number(carrier_code: str, build: Callable[[int], str | None]) -> str:
    """A new tracking number of carrier ``carrier_code``: ``build(serial)`` turns the
    drawn serial into the number, or returns None when the carrier's range is used up."""
    with transaction():
        row = TrackingNumber.create(carrier=carrier_code)
        number = build(row.id)
        if number is None:
            raise NumbersExhausted(_("The tracking numbers of carrier %(carrier)s are used "
                                     "up.", carrier=carrier_code))
        TrackingNumber.update(number=number).where(TrackingNumber.id == row.id).execute()
    return number


def issue_sscc(extension: int = 0) -> str:
    """A new SSCC-18 under the configured GS1 company prefix (``GS1_COMPANY_PREFIX``),
    its serial reference drawn from the ``sscc`` registry."""
    prefix = gs1.company_prefix()
    with transaction():
        row = Sscc.create()
        if row.id >= gs1.serial_capacity(prefix):
            raise NumbersExhausted(_("The SSCC serial references of company prefix "
                                     "%(prefix)s are used up.", prefix=prefix))
        sscc = gs1.build_sscc(row.id, extension, prefix)
        Sscc.update(sscc=sscc).where(Sscc.id == row.id).execute()
    return sscc
