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


class RefundStatus(StrEnum):
    PENDING = "pending"            # recorded, the provider has not (finally) answered yet
    SUCCEEDED = "succeeded"        # the money goes back to the customer
    FAILED = "failed"              # the provider refused or could not be reached


# Refunds that count against what may still be refunded of a payment.
HOLDS_REFUND = frozenset({RefundStatus.PENDING, RefundStatus.SUCCEEDED})
