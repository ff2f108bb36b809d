"""The OpenAPI 3.1 description of the JSON API (``GET /api/v1/openapi.json``, no key) and
its readable form (``GET /api/docs``), both built from the app's routes.

Each operation comes from a route under ``/api/v1``: its summary from the view's
docstring, its scopes from ``require_scope`` (``view.api_scopes``), its request body
from the pydantic model that validates it (``schemas.REQUEST_BODIES``), its answers from
the models in ``responses.RESPONSES`` plus one ``Error`` per status it can fail with,
and its query parameters from ``QUERIES`` below. ``tests/test_schemathesis.py`` checks
the real answers against this document.
"""

from __future__ import annotations

import re
from functools import lru_cache

from flask import Blueprint, current_app, jsonify, render_template

from portal.api.responses import RESPONSES, Error
from portal.api.schemas import REQUEST_BODIES
from portal.fulfilment.status import FulfillmentStatus
from portal.inventory.availability import MAX_SKUS
from portal.inventory.status import Channel

bp = Blueprint("api_docs", __name__)

API_PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"
PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _query(name: str, description: str, schema: dict | None = None, *,
           required: bool = False) -> dict:
    """A query parameter; ``schema`` says what the view accepts (a string by default)."""
    schema = schema or {"type": "string"}
    array = schema.get("type") == "array"
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema, **({"style": "form", "explode": True} if array else {})}


def _whole(low: int, high: int) -> dict:
    return {"type": "integer", "minimum": low, "maximum": high}


POSTCODE = {"type": "string", "pattern": r"^[A-Za-z0-9 -]{2,10}$"}
QUERIES: dict[str, list[dict]] = {
    "api.get_availability": [
        _query("sku", "A SKU; repeat for several.", {
            "type": "array", "items": {"type": "string"}, "minItems": 1,
            "maxItems": MAX_SKUS}, required=True),
        _query("country", "Two-letter ISO country code, e.g. DE.",
               {"type": "string", "pattern": r"^[A-Za-z]{2}$"}),
        _query("postcode", "2-10 letters or digits.", POSTCODE),
        _query("location", "Only this location's code."),
        _query("channel", "web (default), marketplace, ...",
               {"type": "string", "enum": list(Channel)}),
        _query("limit", "Locations per SKU, 1 to 500 (default 20).", _whole(1, 500)),
    ],
    "api.list_lockers": [
        _query("postcode", "Postcode prefix (2-10 letters or digits).", POSTCODE),
        _query("city", "City name.", {"type": "string", "minLength": 1, "maxLength": 80}),
        _query("limit", "1 to 200 (default 50).", _whole(1, 200)),
    ],
    "api.list_fulfillments": [
        _query("location", "The location's code.", required=True),
        _query("status", "Only fulfilments in this status.",
               {"type": "string", "enum": list(FulfillmentStatus)}),
        _query("page", "1 or more (default 1).", _whole(1, 10**6)),
        _query("per_page", "1 to 200 (default 50).", _whole(1, 200)),
    ],
}
SUMMARIES = {  # views without a docstring
    "api.get_order": "One order with its lines, payment, shipments and returns.",
    "api.get_return": "One return with its lines, refund and events.",
    "public_api.tracking": "The public tracking of an order by its tracking token (no key).",
}
NO_KEY = {"public_api", "payment_webhooks", "api_docs"}  # blueprints without bearer keys
RATE_LIMITED = {"api", "public_api"}  # portal/ratelimit.py: per key, per address
IDEMPOTENT = {"api.create_order", "api.create_return"}
EVENT_ID_HEADER = {"api.report_event", "api.report_shipment_event"}
SIGNATURE_HEADERS = {"payment_webhooks.sandbox": "Sandbox-Signature",
                     "payment_webhooks.stripe_events": "Stripe-Signature"}
# Answers beyond the ones every operation of its kind has (see ``_error_statuses``).
MORE_ERRORS: dict[str, tuple[int, ...]] = {
    "api.list_fulfillments": (422,),
    "api.report_event": (409,),
    "api.create_order": (502,),
    "api.cancel": (409, 422, 502),
    "api.create_return": (404,),
    "payment_webhooks.stripe_events": (404,),
}
ERROR_TEXTS = {
    400: "Bad request: a bad query parameter or header (field errors), a body the webhook "
         "cannot read, or a NUL byte anywhere",
    401: "Missing or invalid API key", 403: "The key lacks the scope", 404: "Not found",
    409: "Conflict (stock, status, the same Idempotency-Key still running)",
    413: "The body is too large", 422: "Invalid body or query (field errors)",
    429: "Too many requests (see Retry-After)",
    502: "The payment provider failed; nothing changed"}


def _summary(endpoint: str, view) -> tuple[str, str]:
    doc = (view.__doc__ or "").strip()
    if not doc:
        return SUMMARIES.get(endpoint, endpoint.split(".")[-1].replace("_", " ")), ""
    first, _, rest = doc.partition("\n\n")
    return " ".join(first.split()), " ".join(rest.split())


def _add_model(model, components: dict) -> dict:
    """Put ``model`` (and the models it uses) into ``components``; its reference."""
    schema = model.model_json_schema(ref_template=REF)
    for name, definition in {**schema.pop("$defs", {}), model.__name__: schema}.items():
        if components.setdefault(name, definition) != definition:
            raise ValueError(f"Two different schemas are called {name}.")
    return {"$ref": REF.format(model=model.__name__)}


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error_statuses(endpoint: str, rule, scopes: list, keyed: bool) -> set[int]:
    """Every error status the operation can answer: 400 for a NUL byte anywhere
    (``security.refuse_nul_bytes``) and the ones its kind brings."""
    statuses = {400, *MORE_ERRORS.get(endpoint, ())}
    if keyed:
        statuses.add(401)
    if scopes:
        statuses.add(403)
    if endpoint.split(".")[0] in RATE_LIMITED:
        statuses.add(429)
    if "<" in rule.rule:
        statuses.add(404)
    if endpoint in REQUEST_BODIES:  # bodies beyond MAX_CONTENT_LENGTH; webhooks say 400
        statuses |= {413} if endpoint in SIGNATURE_HEADERS else {413, 422}
    if endpoint in IDEMPOTENT:
        statuses |= {409, 422}
    return statuses


def _parameters(endpoint: str, method: str, rule) -> list[dict]:
    parameters = [{"name": name, "in": "path", "required": True,
                   "schema": {"type": "integer" if converter == "int" else "string"}}
                  for converter, name in PATH_PARAM.findall(rule.rule)]
    if method == "GET":
        parameters += QUERIES.get(endpoint, [])
    if endpoint in IDEMPOTENT or endpoint in EVENT_ID_HEADER:
        parameters.append({"name": "Idempotency-Key", "in": "header",
                           "required": endpoint in IDEMPOTENT,
                           "description": "Unique per request (per event: the event id "
                                          "when the body has none).",
                           "schema": {"type": "string", "minLength": 1,
                                      "maxLength": 255 if endpoint in IDEMPOTENT else 100}})
    if endpoint in SIGNATURE_HEADERS:
        parameters.append({"name": SIGNATURE_HEADERS[endpoint], "in": "header",
                           "required": True,
                           "description": "t=<unix time>,v1=<HMAC-SHA256 hex of "
                                          "\"<t>.<body>\"> with the webhook secret.",
                           "schema": {"type": "string"}})
    return parameters


def _operation(endpoint: str, method: str, rule, view, components: dict) -> dict:
    summary, description = _summary(endpoint, view)
    scopes = list(getattr(view, "api_scopes", ()))
    keyed = endpoint.split(".")[0] not in NO_KEY
    operation: dict = {"operationId": endpoint.replace(".", "_"), "summary": summary,
                       "tags": [rule.rule.removeprefix(API_PREFIX).split("/")[1]]}
    if description:
        operation["description"] = description
    if scopes:
        operation["description"] = (description + " " if description else "") + \
            "Scope: " + " or ".join(f"`{scope}`" for scope in scopes) + "."
        operation["x-scopes"] = scopes
    operation["security"] = [{"bearer": []}] if keyed else []
    if parameters := _parameters(endpoint, method, rule):
        operation["parameters"] = parameters
    model = REQUEST_BODIES.get(endpoint)
    if model is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": _add_model(model, components)}}}
    responses: dict = {}
    if endpoint in RESPONSES:
        status, answer = RESPONSES[endpoint]
        responses[str(status)] = _json("OK" if status == 200 else "Created",
                                       _add_model(answer, components))
    else:  # a route without its model (tests add some): described, not promised
        responses["200"] = _json("OK", {})
    error = _add_model(Error, components)
    for status in sorted(_error_statuses(endpoint, rule, scopes, keyed)):
        responses[str(status)] = _json(ERROR_TEXTS[status], error)
    operation["responses"] = responses
    return operation


def build_document(app) -> dict:
    """The OpenAPI 3.1 document of every route under /api/v1."""
    paths: dict[str, dict] = {}
    components: dict[str, dict] = {}
    rules = sorted((rule for rule in app.url_map.iter_rules()
                    if rule.rule.startswith(API_PREFIX + "/")), key=lambda r: r.rule)
    for rule in rules:
        view = app.view_functions[rule.endpoint]
        path = PATH_PARAM.sub(r"{\2}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(
                rule.endpoint, method, rule, view, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Retail OMS API", "version": "1",
                 "description": "Machines call /api/v1 with `Authorization: Bearer KEY`; "
                                "errors are `{\"error\": {\"code\", \"message\", \"fields\"}}`."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": dict(sorted(components.items())),
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


@lru_cache(maxsize=8)
def _document_of(app) -> dict:
    return build_document(app)


def document() -> dict:
    """The current app's document (built once per app)."""
    return _document_of(current_app._get_current_object())


@bp.get(API_PREFIX + "/openapi.json")
def openapi_json():
    """This OpenAPI description (no key)."""
    return jsonify(document())


def _fields(schema: dict, schemas: dict, prefix: str = "", depth: int = 0) -> list[dict]:
    """The body's fields as rows (nested objects dotted, lists as ``name.N``)."""
    if "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    rows = []
    required = set(schema.get("required", ()))
    for name, spec in schema.get("properties", {}).items():
        field = f"{prefix}{name}"
        options = spec.get("anyOf", [spec])
        inner = next((o for o in options if "$ref" in o or "items" in o), None)
        kinds = [o.get("type", "object") for o in options if "$ref" not in o]
        if spec.get("enum"):
            kinds = [" | ".join(map(str, spec["enum"]))]
        rows.append({"name": field, "type": ", ".join(k for k in kinds if k) or "object",
                     "required": name in required,
                     "description": spec.get("description", "")
                     or (options[0].get("description", "") if options else ""),
                     "limit": spec.get("maxLength") or next(
                         (o.get("maxLength") for o in options if o.get("maxLength")), None)})
        if inner is not None and depth < 2:
            if "items" in inner and "$ref" in inner["items"]:
                rows += _fields(inner["items"], schemas, f"{field}.N.", depth + 1)
            elif "$ref" in inner:
                rows += _fields(inner, schemas, f"{field}.", depth + 1)
    return rows


@bp.get("/api/docs")
def docs():
    """The API described for people: every endpoint, its scopes, parameters and fields."""
    spec = document()
    schemas = spec["components"]["schemas"]
    endpoints = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get(
                "application/json", {}).get("schema", {})
            endpoints.append({
                "method": method.upper(), "path": path, "id": operation["operationId"],
                "summary": operation["summary"], "description": operation.get("description"),
                "scopes": operation.get("x-scopes", []), "keyed": bool(operation["security"]),
                "parameters": operation.get("parameters", []),
                "fields": _fields(body, schemas) if "$ref" in body else [],
                "statuses": [code for code in operation["responses"] if code != "default"]})
    return render_template("api/docs.html", endpoints=endpoints)
