"""Payment states."""

from enum import StrEnum


class PaymentStatus(StrEnum):
    PENDING = "pending"            # waiting for the customer at the provider
    REQUIRES_ACTION = "requires_action"  # e.g. a 3-D Secure step
    AUTHORIZED = "authorized"      # the provider verified the payment: the order is confirmed
    FAILED = "failed"              # declined; the customer may try again
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


# A failed attempt is not final: the customer may try another card on the same payment.
FINAL = frozenset({PaymentStatus.AUTHORIZED, PaymentStatus.CANCELLED, PaymentStatus.REFUNDED})
