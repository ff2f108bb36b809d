"""Payment providers behind one small interface, found by name.

An adapter starts a payment (telling the customer's next step, if any), may stop an open
attempt, and refunds part or all of an authorized payment. Services call adapters
outside database transactions, since a real provider answers over the network; an
adapter never writes models, it only reports what the provider said.

| name          | takes the money                           | refunds                             |
| ------------- | ----------------------------------------- | ----------------------------------- |
| `in_store`    | an employee at the counter (cash, card)   | at the counter, noted for the clerk |
| `sandbox`     | the built-in hosted page (`sandbox.py`)   | at once, `sbx_re_…`                 |
| `stripe`      | Stripe Payment Intents (`stripe_adapter`) | Stripe's Refunds API                |
| `marketplace` | the marketplace, from its buyer           | on the marketplace, noted for staff |
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import ClassVar

from flask import url_for
from flask_babel import format_currency
from flask_babel import lazy_gettext as _l

from portal.errors import DomainError
from portal.payments.models import Payment, Refund
from portal.payments.status import FINAL, RefundStatus


class ProviderUnavailable(DomainError):
    """The provider could not be reached or failed on its side: nothing changed there."""

    code = "provider_unavailable"
    status = 502


class ProviderRefused(DomainError):
    """The provider answered and said no (e.g. the payment was already refunded)."""

    code = "provider_refused"
    status = 409


@dataclass(frozen=True)
class PaymentStart:
    """What a provider said when a payment started."""

    next_action: dict | None = None  # what the customer does next, as the API shows it
    reference: str = ""              # the provider's id of the payment, when it has one


@dataclass(frozen=True)
class RefundResult:
    """What a provider said about a refund: its id, whether the money is on its way
    (``succeeded``) or still being processed (``pending``), and a note for the clerk."""

    reference: str
    status: RefundStatus = RefundStatus.SUCCEEDED
    note: str = ""


class PaymentProvider:
    """The interface every adapter implements; ``name`` is what orders and API use."""

    name: ClassVar[str]
    label: ClassVar[str]

    def is_enabled(self) -> bool:
        """Whether this installation may take new payments with the provider."""
        return True

    def start(self, payment: Payment) -> PaymentStart:
        """Open the payment at the provider; returns the customer's next action."""
        return PaymentStart()

    def next_action(self, payment: Payment) -> dict | None:
        """The customer's next step while the payment is open (stored at the start)."""
        if payment.status in FINAL or not payment.customer_action:
            return None
        return json.loads(payment.customer_action)

    def void(self, payment: Payment) -> None:
        """Stop an attempt that is not paid yet, so the customer can no longer pay it.
        Raise ProviderRefused when the provider says it was paid meanwhile."""

    def refund(self, payment: Payment, refund: Refund) -> RefundResult:
        """Give ``refund.amount`` of the authorized ``payment`` back; return the provider's
        reference or raise ProviderUnavailable / ProviderRefused."""
        raise NotImplementedError


class InStoreProvider(PaymentProvider):
    """Cash or a card terminal at the counter, recorded by an employee. The portal moves
    no money itself: a refund is recorded at once, with a note telling the clerk what
    to hand back."""

    name = "in_store"
    label = _l("In store")

    def refund(self, payment: Payment, refund: Refund) -> RefundResult:
        amount = format_currency(refund.amount, refund.currency)
        if payment.method == "card_terminal":
            note = _l("Refund %(amount)s to the customer's card at the card terminal "
                      "(payment receipt %(receipt)s).", amount=amount,
                      receipt=payment.provider_reference)
        else:
            note = _l("Hand %(amount)s back to the customer in cash.", amount=amount)
        return RefundResult(f"in-store-refund-{refund.id}", RefundStatus.SUCCEEDED, str(note))


class SandboxProvider(PaymentProvider):
    """The built-in sandbox (``sandbox.py``): its hosted page is the next action, and it
    refunds at once."""

    name = "sandbox"
    label = _l("Sandbox")

    def next_action(self, payment: Payment) -> dict | None:
        if payment.status in FINAL:
            return None
        # Built per request, so the link names the host the caller used.
        return {"type": "redirect",
                "url": url_for("sandbox_pay.page", token=payment.token, _external=True)}

    def refund(self, payment: Payment, refund: Refund) -> RefundResult:
        return RefundResult(f"sbx_re_{secrets.token_hex(8)}")


class MarketplaceProvider(PaymentProvider):
    """The marketplace took the buyer's money and pays us out itself; the portal only
    records that (``record_marketplace_payment``). It takes no new payments, and a
    refund is recorded at once with a note telling staff to refund on the marketplace."""

    name = "marketplace"
    label = _l("Marketplace")

    def is_enabled(self) -> bool:
        return False  # no web shop or clerk may start one

    def refund(self, payment: Payment, refund: Refund) -> RefundResult:
        note = _l("Refund %(amount)s on the marketplace (its order %(reference)s): the "
                  "marketplace holds the buyer's money.",
                  amount=format_currency(refund.amount, refund.currency),
                  reference=payment.provider_reference)
        return RefundResult(f"marketplace-refund-{refund.id}", RefundStatus.SUCCEEDED,
                            str(note))


_registry: dict[str, PaymentProvider] = {}


def providers() -> dict[str, PaymentProvider]:
    """Every adapter by name, enabled or not."""
    if not _registry:
        from portal.payments.stripe_adapter import StripeProvider

        for adapter in (InStoreProvider(), SandboxProvider(), StripeProvider(),
                        MarketplaceProvider()):
            _registry[adapter.name] = adapter
    return _registry


def provider_names() -> tuple[str, ...]:
    return tuple(providers())


def get_provider(name: str, *, enabled: bool = True) -> PaymentProvider:
    """The adapter called ``name``; a DomainError (422, field ``payment.provider``) when
    there is none, or when ``enabled`` is asked and the installation has it switched off."""
    adapter = providers().get(name)
    usable = ", ".join(n for n, a in providers().items() if a.is_enabled())
    if adapter is None:
        raise DomainError(str(_l("Unknown payment provider.")),
                          fields={"payment.provider": str(_l("One of: %(names)s.",
                                                             names=usable))})
    if enabled and not adapter.is_enabled():
        raise DomainError(str(_l("%(provider)s payments are not enabled on this "
                                 "installation.", provider=adapter.label)),
                          fields={"payment.provider": str(_l("Use one of: %(names)s.",
                                                             names=usable))},
                          code="provider_not_enabled")
    return adapter
