"""The marketplace's HTTP API through httpx: bearer token, timeouts, retries.

Connection failures are retried by httpx's transport at once; timeouts, 429 and 5xx
answers by tenacity with exponential backoff (``backoff``, ``2 × backoff``, ...). After
the last try, or at once for any other 4xx, ``MarketplaceError`` says what happened.
Every call is idempotent on the marketplace's side (availability is absolute, orders
are read), so a retry after a lost answer does no harm.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import httpx
from flask import current_app
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

MAX_WAIT = 30.0  # seconds: the longest pause between two tries
CONNECT_RETRIES = 2  # httpx's transport retries a refused or failed connection itself


class MarketplaceError(Exception):
    """The marketplace refused a call or could not be reached, after every try."""


class _Retryable(MarketplaceError):
    """A timeout, 429 or 5xx answer: worth another try."""


class MarketplaceClient:
    """One marketplace API; use it as a context manager so its connections close."""

    def __init__(self, base_url: str, token: str = "", *, timeout: float = 10.0,
                 attempts: int = 4, backoff: float = 0.5,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        if not base_url:
            raise MarketplaceError("MARKETPLACE_URL is not set.")
        headers = {"Accept": "application/json", "User-Agent": "retail-oms"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.attempts, self.backoff, self.sleep = max(1, attempts), backoff, sleep
        self.http = httpx.Client(
            base_url=base_url, headers=headers, timeout=httpx.Timeout(timeout),
            transport=transport or httpx.HTTPTransport(retries=CONNECT_RETRIES))

    def __enter__(self) -> MarketplaceClient:
        return self

    def __exit__(self, *_exc) -> None:
        self.http.close()

    def push_availability(self, items: list[dict]) -> None:
        """``POST /availability`` with ``{"items": [{"sku", "available"}, ...]}``."""
        self._call("POST", "availability", json={"items": items})

    def orders(self, since: datetime | None, page: int) -> dict:
        """``GET /orders?since=...&page=...``: the answer's JSON object."""
        params = {"page": page}
        if since is not None:
            params["since"] = since.isoformat(timespec="seconds") + "Z"
        body = self._call("GET", "orders", params=params).json()
        if not isinstance(body, dict) or not isinstance(body.get("orders"), list):
            raise MarketplaceError("GET orders: the answer has no list of orders.")
        return body

    def _call(self, method: str, path: str, **kwargs) -> httpx.Response:
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=self.backoff, max=MAX_WAIT),
            retry=retry_if_exception_type(_Retryable), sleep=self.sleep, reraise=True)
        try:
            return retrying(self._once, method, path, **kwargs)
        except _Retryable as error:
            raise MarketplaceError(f"{error} ({self.attempts} tries)") from error

    def _once(self, method: str, path: str, **kwargs) -> httpx.Response:
        what = f"{method} {path}"
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TimeoutException as error:
            raise _Retryable(f"{what}: timed out ({type(error).__name__})") from error
        except httpx.TransportError as error:
            raise _Retryable(f"{what}: unreachable ({error})") from error
        if response.status_code == 429 or response.status_code >= 500:
            raise _Retryable(f"{what}: HTTP {response.status_code}")
        if not response.is_success:
            raise MarketplaceError(f"{what}: HTTP {response.status_code} "
                                   f"{response.text[:200]}")
        return response


def client_from_config(**overrides) -> MarketplaceClient:
    """The client the app's settings describe (``MARKETPLACE_*``)."""
    config = current_app.config
    settings = {"timeout": config.get("MARKETPLACE_TIMEOUT", 10.0),
                "attempts": config.get("MARKETPLACE_ATTEMPTS", 4),
                "backoff": config.get("MARKETPLACE_BACKOFF", 0.5), **overrides}
    return MarketplaceClient(config.get("MARKETPLACE_URL", ""),
                             config.get("MARKETPLACE_TOKEN", ""), **settings)
