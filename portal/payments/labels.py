"""How payment and refund states are named on screen."""

from flask_babel import lazy_gettext as _l

PAYMENT_STATUS_LABELS = {
    "pending": _l("Waiting for the customer"),
    "requires_action": _l("Customer must confirm"),
    "authorized": _l("Paid"),
    "failed": _l("Declined"),
    "cancelled": _l("Cancelled"),
    "refunded": _l("Refunded"),
}
REFUND_STATUS_LABELS = {
    "pending": _l("Refund pending"),
    "succeeded": _l("Refunded"),
    "failed": _l("Refund failed"),
}
METHOD_LABELS = {
    "card": _l("Card"),
    "cash": _l("Cash"),
    "card_terminal": _l("Card terminal"),
}


def provider_labels() -> dict:
    """Each payment provider's name on screen."""
    from portal.payments.providers import providers

    return {name: adapter.label for name, adapter in providers().items()}
