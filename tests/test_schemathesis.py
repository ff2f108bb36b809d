"""Schemathesis against the app (in-process, WSGI): every operation of
``/api/v1/openapi.json`` with generated requests, valid and invalid, sent with a key
that has every scope. Each answer must be no server error, have a documented status
and content type, and match its documented schema (``portal/api/responses.py``).

Generated requests reach the real checks, not only the key and the signature: half of
the path parameters name things that exist (an open fulfilment, a delivered order's
parcel, a return, ...), queries sometimes real SKUs and a real location, order and
return bodies sometimes real SKUs and orders; valid-mode cases get a fresh
Idempotency-Key and a correct webhook signature. Sent by hand and held against the
same document: the refusals in front of the views (no key, a narrow key, too many
requests, a body too large, a NUL byte), hostile requests that were 500s once, and one
success per kind of answer with the richest body the test data allows.

Deterministic: derandomized Hypothesis, no example database, nothing fed back from the
answers into generation; the rate-limit counters are emptied before and after (the
test config's limits are far above what this sends).
"""

from __future__ import annotations

import itertools
import json
from contextlib import contextmanager, nullcontext

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.api.responses import RESPONSES
from portal.auth.roles import ApiScope
from portal.auth.services import create_api_key
from portal.fulfilment.models import FulfillmentOrder
from portal.inventory import services as stock
from portal.payments.signing import sign
from portal.ratelimit import limiter
from portal.returns.models import ReturnOrder
from portal.returns.services import ReturnRequest, register_return
from portal.shipping.models import Shipment
from tests.fulfilment.conftest import paid_order, shelf  # noqa: F401 - the fixture
from tests.payments.test_stripe import SECRET as STRIPE_SECRET
from tests.payments.test_stripe import stripe_signature
from tests.returns.conftest import delivered_order, returns_wh  # noqa: F401 - the fixture
from tests.shipping.shipped import make_locker

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
MAX_EXAMPLES = 40  # per operation, valid and invalid together
IDEMPOTENCY = "Idempotency-Key"
ADDRESS = {"name": "Erika Mustermann", "street": "Unter den Linden 1", "postcode": "10117",
           "city": "Berlin", "country": "DE"}


@pytest.fixture
def document(app):
    """The app's OpenAPI document as schemathesis reads it (through the app)."""
    limiter.reset()
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    limiter.reset()


@pytest.fixture
def api_world(ctx, shelf, stores, users, returns_wh):  # noqa: F811 - the imported fixtures
    """Things for generated requests to find: an open fulfilment (BER) of a paid order,
    a delivered order with its parcel and a return of one of its two caps, a paid order
    to a locker, plenty of stock, and a key with every scope."""
    make_locker()
    stock.receive_stock(shelf["shoe"], stores["WH"], 500)
    stock.receive_stock(shelf["cap"], stores["WH"], 500)
    open_order = paid_order(("SNK-1", 1))
    delivered = delivered_order(users)
    by_locker = paid_order(("CAP-1", 1), delivery_method="locker", locker_id="PS-4711")
    rma = register_return(ReturnRequest(delivered.number, [{"sku": "CAP-1", "quantity": 1}],
                                        drop_off="post_office"), users["logistics"])
    _key, secret = create_api_key("Schemathesis", [str(scope) for scope in ApiScope])
    return {
        "secret": secret, "skus": ["SNK-1", "CAP-1"],
        "orders": [open_order.number, delivered.number],
        "query": {"sku": ["SNK-1", "CAP-1", "NOPE-1"], "location": "BER"},
        "path": {
            "fulfillment_id": [FulfillmentOrder.get(FulfillmentOrder.order == open_order.id).id],
            "number": [open_order.number, delivered.number],
            "rma": [ReturnOrder.get_by_id(rma.id).number],
            "tracking_number": [Shipment.get(Shipment.order == delivered.id).tracking_number],
            "token": [open_order.tracking_token, delivered.tracking_token,
                      by_locker.tracking_token]},
    }


@pytest.fixture
def api_schema(document, api_world):
    """The document with the all-scopes key and the hooks that put real values in."""
    document.config.update(headers={"Authorization": f"Bearer {api_world['secret']}"})
    _real_values(document, api_world)
    return document


def _real_values(schema, world: dict) -> None:
    """Hooks: real path parameters half the time, real query values and bodies that
    name real SKUs and orders some of the time."""

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        names = [name for name in path_parameters or {} if name in world["path"]]
        if not names:
            return st.just(path_parameters)
        return st.sampled_from([path_parameters] + [
            {**path_parameters, **{name: world["path"][name][n % len(world["path"][name])]
                                   for name in names}}
            for n in range(max(len(world["path"][name]) for name in names))])

    @schema.hook
    def flatmap_query(context, query):
        if not isinstance(query, dict):
            return st.just(query)
        real = {name: value for name, value in world["query"].items() if name in query}
        return st.sampled_from([query, {**query, **real}])

    @schema.hook
    def flatmap_body(context, body):
        if not isinstance(body, dict):
            return st.just(body)
        path = context.operation.path
        if path.endswith("/orders"):
            return st.sampled_from([body, _shop_order(body, world["skus"])])
        if path.endswith("/returns"):
            return st.sampled_from([body] + [_shop_return(body, number)
                                             for number in world["orders"]])
        return st.just(body)


def _shop_order(body: dict, skus: list[str]) -> dict:
    """``body`` with what a web shop always sends right: one unit of each real SKU
    (as many lines as were generated, at most two), the customer's name and address.
    Channel, delivery, payment, fee and the rest stay as generated."""
    lines = body.get("lines") if isinstance(body.get("lines"), list) else []
    customer = body.get("customer") if isinstance(body.get("customer"), dict) else {}
    return {**body, "lines": [{"sku": sku, "quantity": 1} for sku in skus[:len(lines) or 1]],
            "customer": {**customer, "name": "Erika Mustermann"},
            "shipping_address": ADDRESS}


def _shop_return(body: dict, order_number: str) -> dict:
    """``body`` for a real order and one of its caps; drop-off and reasons as generated
    (a store drop-off at BER)."""
    store = {"store": "BER"} if body.get("drop_off") == "store" else {}
    return {**body, "order_number": order_number,
            "lines": [{"sku": "CAP-1", "quantity": 1}], **store}


@contextmanager
def _stripe_on(app):
    """Stripe switched on (its webhook answers) for one call; no call reaches Stripe."""
    saved = {name: app.config[name] for name in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")}
    app.config.update(STRIPE_SECRET_KEY="sk_test_only", STRIPE_WEBHOOK_SECRET=STRIPE_SECRET)
    try:
        yield
    finally:
        app.config.update(saved)


_fresh = itertools.count(1)


def _prepared(case, app) -> dict:
    """Call arguments for ``case``: valid-mode cases get a fresh Idempotency-Key and a
    signed webhook body (sent as exactly those bytes)."""
    positive = case.meta is None or case.meta.generation.mode.is_positive
    path, headers, extra = case.operation.path, {}, {}
    if positive and case.headers and IDEMPOTENCY in case.headers:
        headers[IDEMPOTENCY] = f"{str(case.headers[IDEMPOTENCY])[:80]}-{next(_fresh)}"
    if positive and "/payments/webhook/" in path and not isinstance(case.body, NotSet):
        raw = json.dumps(case.body).encode()
        if path.endswith("/sandbox"):
            headers["Sandbox-Signature"] = sign(raw, app.config["SANDBOX_WEBHOOK_SECRET"])
        else:
            headers["Stripe-Signature"] = stripe_signature(raw)
        headers["Content-Type"] = "application/json"
        extra["data"] = raw
    return {"headers": headers, **extra}


def _cases(operation):
    """Valid and invalid requests for ``operation`` (the schema's hooks applied)."""
    return st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                     operation.as_strategy(GenerationMode.NEGATIVE))


# One test per documented operation: ``responses.RESPONSES`` names every one, and
# tests/test_openapi.py holds it to the app's routes. (Not ``schemathesis.pytest.
# from_fixture``: its loader reads ``Node._nodeid``, which pytest 9.2 no longer has.)
@pytest.mark.parametrize("endpoint", sorted(RESPONSES))
def test_every_operation_answers_as_documented(api_schema, endpoint, app):
    operation = api_schema.find_operation_by_id(endpoint.replace(".", "_"))

    @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(case=_cases(operation))
    def answers_as_documented(case):
        kwargs = _prepared(case, app)
        with _stripe_on(app) if endpoint == "payment_webhooks.stripe_events" else nullcontext():
            case.call_and_validate(checks=CHECKS, **kwargs)

    answers_as_documented()


def _plain_case(operation, **fields):
    """A fixed request for ``operation``: every path parameter 1, a small JSON body for
    a POST."""
    path = {parameter.name: "1" for parameter in operation.path_parameters}
    body = {"event_id": "e-1"} if operation.method.upper() == "POST" else NotSet()
    return operation.Case(path_parameters={**path, **fields.pop("path_parameters", {})},
                          body=fields.pop("body", body), media_type="application/json",
                          **fields)


def _answers_as_documented(case, expected: int, **kwargs) -> None:
    response = case.call(**kwargs)
    assert response.status_code == expected, (case.operation.label, response.text)
    case.validate_response(response, checks=CHECKS[1:])


@pytest.mark.parametrize("endpoint", sorted(RESPONSES))
def test_refusals_in_front_of_the_views_are_documented(document, endpoint, ctx):
    """A NUL byte (400) everywhere; no key (401) and a key without the scope (403)
    where a key is needed."""
    operation = document.find_operation_by_id(endpoint.replace(".", "_"))
    _key, narrow = create_api_key("No scope", [str(ApiScope.MARKETPLACE)])

    _answers_as_documented(_plain_case(operation, query={"q": "\x00"}), 400)
    _answers_as_documented(_plain_case(operation, query={"q": ["ok", "b\x00"]}), 400)
    if operation.definition.raw.get("security"):
        _answers_as_documented(_plain_case(operation), 401)
        if operation.definition.raw.get("x-scopes"):
            _answers_as_documented(_plain_case(operation), 403,
                                   headers={"Authorization": f"Bearer {narrow}"})


def test_too_many_requests_and_too_large_bodies_are_documented(document, app, ctx):
    _key, secret = create_api_key("Shop", [str(ApiScope.ORDERS_WRITE)])
    _other, other = create_api_key("Other shop", [str(ApiScope.ORDERS_WRITE)])
    whoami = document.find_operation_by_id("api_whoami")
    tracking = document.find_operation_by_id("public_api_tracking")
    orders = document.find_operation_by_id("api_create_order")
    saved = {name: app.config[name]
             for name in ("RATELIMIT_API", "RATELIMIT_TRACKING", "MAX_CONTENT_LENGTH")}
    app.config.update(RATELIMIT_API="1 per minute", RATELIMIT_TRACKING="1 per minute",
                      MAX_CONTENT_LENGTH=1024)
    try:
        auth = {"Authorization": f"Bearer {secret}"}
        _answers_as_documented(_plain_case(whoami), 200, headers=auth)
        _answers_as_documented(_plain_case(whoami), 429, headers=auth)
        _answers_as_documented(_plain_case(tracking, path_parameters={"token": "x" * 20}), 404)
        _answers_as_documented(_plain_case(tracking, path_parameters={"token": "x" * 20}), 429)
        _answers_as_documented(_plain_case(orders, body={"lines": [], "note": "x" * 2000}),
                               413, headers={"Authorization": f"Bearer {other}",
                                             IDEMPOTENCY: "k-1"})
    finally:
        app.config.update(saved)


DEEP = b"[" * 100_000 + b"]" * 100_000  # deeper than any JSON parser recurses
ORDER = {"customer": {"name": "Erika Mustermann"}, "shipping_address": ADDRESS,
         "lines": [{"sku": "SNK-1", "quantity": 1}]}
HOSTILE = {  # requests generation is unlikely to make; each was a 500 once
    "deep JSON body": ("api.create_order", {}, {"data": DEEP}, 422),
    "deep body, not called JSON": ("api.create_order", {}, {
        "data": DEEP, "headers": {"Content-Type": "text/plain"}}, 422),
    "deep webhook body": ("payment_webhooks.sandbox", {}, {"data": DEEP}, 400),
    "deep webhook body, signed": ("payment_webhooks.sandbox", {}, {
        "data": DEEP, "sign": True}, 400),
    "deep Stripe event, signed": ("payment_webhooks.stripe_events", {}, {
        "data": DEEP, "sign": True}, 400),
    "a superscript digit as page": ("api.list_fulfillments", {
        "query": {"location": "BER", "page": "²"}}, {}, 422),
    "a signature time of 5000 digits": ("payment_webhooks.sandbox", {}, {
        "headers": {"Sandbox-Signature": "t=" + "9" * 5000 + ",v1=ab"}}, 400),
    "sNaN as a unit price": ("api.create_order", {"body": {**ORDER, "lines": [
        {"sku": "SNK-1", "quantity": 1, "unit_price": "sNaN"}]}}, {}, 422),
    "a time without a UTC time": ("api.report_shipment_event", {"body": {
        "event_id": "e-1", "status": "delivered", "at": "0001-01-01T00:00:00+14:00"}}, {},
        422),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_requests_answer_as_documented(document, api_world, app, name):
    endpoint, fields, call, expected = HOSTILE[name]
    call = dict(call)
    operation = document.find_operation_by_id(endpoint.replace(".", "_"))
    headers = {"Authorization": f"Bearer {api_world['secret']}", IDEMPOTENCY: f"h-{name}",
               "Content-Type": "application/json", **call.pop("headers", {})}
    if call.pop("sign", False):  # past the signature check, into the event's parsing
        headers["Sandbox-Signature"] = sign(call["data"], app.config["SANDBOX_WEBHOOK_SECRET"])
        headers["Stripe-Signature"] = stripe_signature(call["data"])

    with _stripe_on(app):
        _answers_as_documented(_plain_case(operation, **fields), expected, headers=headers,
                               **call)



def _happy(world: dict) -> dict:
    """Requests that succeed, with the richest answers the world allows."""
    path = world["path"]
    return {
        "accept the open fulfilment": ("api.report_event", {
            "path_parameters": {"fulfillment_id": path["fulfillment_id"][0]},
            "body": {"event_id": "wms-1", "type": "accepted"}}, 200),
        "cancel the paid order (a refund)": ("api.cancel", {
            "path_parameters": {"number": path["number"][0]}, "body": NotSet()}, 200),
        "the delivered order (parcel, return)": ("api.get_order", {
            "path_parameters": {"number": path["number"][1]}}, 200),
        "its tracking": ("public_api.tracking", {
            "path_parameters": {"token": path["token"][1]}}, 200),
        "a locker order's tracking": ("public_api.tracking", {
            "path_parameters": {"token": path["token"][2]}}, 200),
        "its parcel delivered again": ("api.report_shipment_event", {
            "path_parameters": {"tracking_number": path["tracking_number"][0]},
            "body": {"event_id": "c-1", "status": "delivered", "place": " Berlin "}}, 200),
        "a return at a store": ("api.create_return", {"body": {
            "order_number": path["number"][1], "drop_off": "store", "store": "BER",
            "lines": [{"line_no": 1, "quantity": 1, "reason": "too small"}]}}, 201),
        "a locker order": ("api.create_order", {"body": {
            **ORDER, "delivery": {"method": "locker", "locker_id": "PS-4711"},
            "shipping_fee": 4.95}}, 201),
        "availability": ("api.get_availability", {"query": {"sku": ["SNK-1", "X"]}}, 200),
        "the fulfilment queue": ("api.list_fulfillments", {
            "query": {"location": "BER", "per_page": 1}}, 200),
    }


@pytest.mark.parametrize("name", sorted(_happy({"path": {name: [None] * 3 for name in (
    "fulfillment_id", "number", "token", "tracking_number")}})))
def test_successes_answer_as_documented(document, api_world, name):
    endpoint, fields, expected = _happy(api_world)[name]
    operation = document.find_operation_by_id(endpoint.replace(".", "_"))
    headers = {"Authorization": f"Bearer {api_world['secret']}", IDEMPOTENCY: "happy-1"}

    _answers_as_documented(_plain_case(operation, **fields), expected, headers=headers)
