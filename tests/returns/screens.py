"""Helpers of the return screen tests: a client signed in per person, a refusing
payment provider, returns made through the services."""

from __future__ import annotations

from portal.payments import providers
from portal.payments.providers import ProviderUnavailable
from portal.returns.receiving import take_back_at_counter
from portal.returns.services import ReturnRequest, register_return
from tests.conftest import csrf_token, login
from tests.returns.conftest import delivered_order


def signed_in(app, user):
    """A browser of its own, logged in as ``user``."""
    client = app.test_client()
    response = login(client, user)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def post(client, url: str, data: dict | None = None, page: str = "/"):
    """POST a form with the CSRF token a page of the portal carries."""
    return client.post(url, data={"csrf_token": csrf_token(client, page), **(data or {})})


def provider_down(payment, refund_row):
    raise ProviderUnavailable("The provider is down.")


def refuse_refunds(monkeypatch) -> None:
    """In-store refunds (the test orders are paid in cash) fail until monkeypatch.undo()."""
    monkeypatch.setattr(providers.providers()["in_store"], "refund", provider_down)


def by_post(users, quantity: int = 1):
    """A web order from WH, delivered, with a return registered by post to WH."""
    order = delivered_order(users, ("CAP-1", 2), sources={"CAP-1": "WH"})
    return order, register_return(ReturnRequest(order.number, [{"sku": "CAP-1",
                                                                "quantity": quantity}],
                                                reason="too small"), None)


def at_counter(users, store, clerk, condition: str = "new"):
    """A web order from WH taken back at ``store``'s counter (received and refunded)."""
    order = delivered_order(users, ("CAP-1", 1), sources={"CAP-1": "WH"})
    rma, _refund = take_back_at_counter(ReturnRequest(order.number, [{"line_no": 1,
                                                                      "quantity": 1}]),
                                        store, {1: condition}, clerk)
    return order, rma


def announced_for(users, store, quantity: int = 1):
    """A web order from WH, delivered, with a return announced for ``store``'s counter
    (as the web shop registers it through the API): (order, rma)."""
    order = delivered_order(users, ("CAP-1", 2), sources={"CAP-1": "WH"})
    return order, register_return(ReturnRequest(order.number, [{"sku": "CAP-1",
                                                                "quantity": quantity}],
                                                reason="too small", drop_off="store",
                                                location=store.code), None)
