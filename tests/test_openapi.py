"""The OpenAPI document and the API docs page are built from the routes and the same
pydantic models that validate the request bodies."""

from __future__ import annotations

from portal.api.openapi import build_document
from portal.api.responses import RESPONSES
from portal.api.schemas import REQUEST_BODIES


def test_openapi_json_describes_every_api_route_without_a_key(app, client):
    answer = client.get("/api/v1/openapi.json")

    assert answer.status_code == 200
    spec = answer.json
    assert spec["openapi"].startswith("3.1")
    routes = {(rule.rule, method) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    described = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    assert len(described) == len(routes)
    orders = spec["paths"]["/api/v1/orders"]["post"]
    assert orders["requestBody"]["content"]["application/json"]["schema"]["$ref"] \
        == "#/components/schemas/OrderIn"
    assert orders["x-scopes"] == ["orders:write"] and orders["security"] == [{"bearer": []}]
    assert {"422", "401", "403"} <= set(orders["responses"])
    assert spec["paths"]["/api/v1/tracking/{token}"]["get"]["security"] == []
    names = {p["name"] for p in spec["paths"]["/api/v1/availability"]["get"]["parameters"]}
    assert {"sku", "country", "limit"} <= names
    schemas = spec["components"]["schemas"]
    assert {model.__name__ for model in REQUEST_BODIES.values()} <= set(schemas)
    assert "Customer" in schemas and "ReturnLineIn" in schemas


def test_every_reference_resolves(app):
    spec = build_document(app)
    text = str(spec)
    for name in set(__import__("re").findall(r"#/components/schemas/(\w+)", text)):
        assert name in spec["components"]["schemas"]


def test_docs_page_lists_endpoints_and_body_fields(client):
    page = client.get("/api/docs")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "POST /api/v1/orders" in html and "GET /api/v1/availability" in html
    assert "lines.N.quantity" in html and "shipping_address.postcode" in html
    assert "<script" not in html.split("</header>", 1)[-1]


def test_body_errors_name_dotted_fields(client, app):
    from portal.auth.services import create_api_key

    with app.app_context():
        _key, secret = create_api_key("shop", ["orders:write"])
    answer = client.post("/api/v1/orders", json={"lines": [], "customer": {"email": 5},
                                                 "shipping_fee": "abc"},
                         headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "k"})

    assert answer.status_code == 422
    fields = answer.json["error"]["fields"]
    assert {"customer.email", "shipping_fee"} <= set(fields)
    assert fields["shipping_fee"] == 'A decimal string or number, e.g. "4.95".'


def test_every_api_route_has_its_answer_documented(app):
    """``responses.RESPONSES`` names every route (so tests/test_schemathesis.py runs
    them all); each operation documents its answer's model and an Error per error
    status, and no catch-all ``default``."""
    spec = build_document(app)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                 if rule.rule.startswith("/api/v1/")} - {"crash.explode"}  # tests' own
    assert endpoints == set(RESPONSES)
    by_id = {endpoint.replace(".", "_"): endpoint for endpoint in RESPONSES}
    checked = set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if operation["operationId"] == "crash_explode":
                continue
            endpoint = by_id[operation["operationId"]]
            checked.add(endpoint)
            status, model = RESPONSES[endpoint]
            answers = operation["responses"]
            assert answers[str(status)]["content"]["application/json"]["schema"] == {
                "$ref": f"#/components/schemas/{model.__name__}"}, (method, path)
            errors = {code for code in answers if code != str(status)}
            assert "default" not in errors and "400" in errors
            assert all(answers[code]["content"]["application/json"]["schema"]["$ref"]
                       == "#/components/schemas/Error" for code in errors)
    assert checked == set(RESPONSES)


def test_answers_are_strict_and_errors_keep_their_form(app):
    schemas = build_document(app)["components"]["schemas"]

    assert schemas["OrderOut"]["additionalProperties"] is False
    assert {"number", "status", "lines", "payment", "total"} <= set(
        schemas["OrderOut"]["required"])
    assert schemas["ErrorDetail"]["required"] == ["code", "message", "fields"]
    assert schemas["Tracking"]["properties"]["placed_at"]["format"] == "date-time"


def test_statuses_follow_what_each_operation_can_answer(app):
    paths = build_document(app)["paths"]

    def statuses(path, method):
        return set(paths[path][method]["responses"])

    assert statuses("/api/v1/orders", "post") == {
        "201", "400", "401", "403", "409", "413", "422", "429", "502"}
    assert statuses("/api/v1/tracking/{token}", "get") == {"200", "400", "404", "429"}
    assert statuses("/api/v1/whoami", "get") == {"200", "400", "401", "429"}
    assert statuses("/api/v1/payments/webhook/stripe", "post") == {"200", "400", "404", "413"}
    sandbox = paths["/api/v1/payments/webhook/sandbox"]["post"]
    assert [p["name"] for p in sandbox["parameters"]] == ["Sandbox-Signature"]
    assert sandbox["security"] == []
