"""The OpenAPI 3.1 description of the JSON API (``GET /api/v1/openapi.json``, no key) and
its readable form (``GET /api/docs``), both built from the app's routes.

Each operation comes from a route under ``/api/v1``: its summary from the view's
docstring, its scopes from ``require_scope`` (``view.api_scopes``), its request body
from the pydantic model that validates it (``schemas.REQUEST_BODIES``) and its query
parameters from ``QUERIES`` below.
"""

from __future__ import annotations

import re
from functools import lru_cache

from flask import Blueprint, current_app, jsonify, render_template

from portal.api.schemas import REQUEST_BODIES

bp = Blueprint("api_docs", __name__)

API_PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"
PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _query(name: str, kind: str = "string", description: str = "", *, required=False,
           array=False) -> dict:
    schema: dict = {"type": kind}
    if array:
        schema = {"type": "array", "items": schema}
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema, **({"style": "form", "explode": True} if array else {})}


QUERIES: dict[str, list[dict]] = {
    "api.get_availability": [
        _query("sku", description="A SKU; repeat for several.", required=True, array=True),
        _query("country", description="Two-letter ISO country code, e.g. DE."),
        _query("postcode", description="2-10 letters or digits."),
        _query("location", description="Only this location's code."),
        _query("channel", description="web (default), marketplace, ..."),
        _query("limit", "integer", "Locations per SKU, 1 to 500 (default 20)."),
    ],
    "api.list_lockers": [
        _query("postcode", description="Postcode prefix (2-10 letters or digits)."),
        _query("city", description="City name."),
        _query("limit", "integer", "1 to 200 (default 50)."),
    ],
    "api.list_fulfillments": [
        _query("location", description="The location's code.", required=True),
        _query("status", description="Only fulfilments in this status."),
        _query("page", "integer", "1 or more (default 1)."),
        _query("per_page", "integer", "1 to 200 (default 50)."),
    ],
}
QUERY_ERROR = {"api.get_availability": "400", "api.list_lockers": "400",
               "api.list_fulfillments": "422"}
SUMMARIES = {  # views without a docstring
    "api.get_order": "One order with its lines, payment, shipments and returns.",
    "api.get_return": "One return with its lines, refund and events.",
    "public_api.tracking": "The public tracking of an order by its tracking token (no key).",
}
NO_KEY = {"public_api", "payment_webhooks", "api_docs"}  # blueprints without bearer keys
IDEMPOTENT = {"api.create_order", "api.create_return"}

ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "fields": {"type": "object",
                                  "additionalProperties": {"type": "string"},
                                  "description": "Dotted body field → message."}}}}}
ERROR_TEXTS = {"400": "Bad query (field errors)", "401": "Missing or invalid API key",
               "403": "The key lacks the scope", "404": "Not found",
               "409": "Conflict (stock, status)", "422": "Invalid body (field errors)"}


def _summary(endpoint: str, view) -> tuple[str, str]:
    doc = (view.__doc__ or "").strip()
    if not doc:
        return SUMMARIES.get(endpoint, endpoint.split(".")[-1].replace("_", " ")), ""
    first, _, rest = doc.partition("\n\n")
    return " ".join(first.split()), " ".join(rest.split())


def _error(status: str) -> dict:
    return {"description": ERROR_TEXTS.get(status, "Error"),
            "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}}


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
    parameters = [{"name": name, "in": "path", "required": True,
                   "schema": {"type": "integer" if converter == "int" else "string"}}
                  for converter, name in PATH_PARAM.findall(rule.rule)]
    if method == "GET":
        parameters += QUERIES.get(endpoint, [])
    if endpoint in IDEMPOTENT or endpoint in {"api.report_event",
                                              "api.report_shipment_event"}:
        parameters.append({"name": "Idempotency-Key", "in": "header",
                           "required": endpoint in IDEMPOTENT,
                           "schema": {"type": "string", "maxLength": 100}})
    if parameters:
        operation["parameters"] = parameters
    responses: dict = {"200" if method == "GET" or endpoint not in IDEMPOTENT else "201": {
        "description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}
    model = REQUEST_BODIES.get(endpoint)
    if model is not None:
        schema = model.model_json_schema(ref_template=REF)
        components.update(schema.pop("$defs", {}))
        components[model.__name__] = schema
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": REF.format(model=model.__name__)}}}}
        responses["422"] = _error("422")
        responses["409"] = _error("409")
    elif method == "POST" and endpoint.split(".")[0] == "payment_webhooks":
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"type": "object"}}}}
    if endpoint in QUERY_ERROR:
        responses[QUERY_ERROR[endpoint]] = _error(QUERY_ERROR[endpoint])
    if keyed:
        responses["401"], responses["403"] = _error("401"), _error("403")
    if "<" in rule.rule:
        responses["404"] = _error("404")
    responses["default"] = _error("default")
    operation["responses"] = responses
    return operation


def build_document(app) -> dict:
    """The OpenAPI 3.1 document of every route under /api/v1."""
    paths: dict[str, dict] = {}
    components: dict[str, dict] = {"Error": ERROR_SCHEMA}
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
