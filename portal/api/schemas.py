"""Pydantic models of the API's request bodies: each POST body is validated through its
model (``validate_body``) and the same models describe the bodies in the OpenAPI
document (``portal.api.openapi``).

The models check shape (types, lengths, allowed values); the services still check
meaning (known SKUs, stock, legal transitions). A model error is a 422 ``invalid``
whose ``fields`` name the body's fields dotted like the body (``lines.0.quantity``).
Messages are English, like every API message. Unknown keys are ignored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from portal.db import utcnow
from portal.errors import DomainError
from portal.fulfilment.status import EventType
from portal.i18n import languages
from portal.returns.services import MAX_LINES as MAX_RETURN_LINES


class BodyInvalid(DomainError):
    code = "invalid"
    status = 422


def Text(limit: int, description: str = "", **kwargs) -> Any:  # noqa: N802 - a type
    """An optional string of at most ``limit`` characters (null or absent is "")."""
    return Annotated[Annotated[StrictStr, StringConstraints(max_length=limit)] | None,
                     Field(default=None, description=description or None, **kwargs)]


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _message(error: dict) -> str:
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    return error["msg"]


def field_errors(error: ValidationError) -> dict[str, str]:
    """Pydantic's errors as ``{"a.0.b": message}`` (the first message per field)."""
    fields: dict[str, str] = {}
    for item in error.errors(include_url=False):
        name = ".".join(str(part) for part in item["loc"]) or "body"
        fields.setdefault(name, _message(item))
    return fields


def validate_body(model: type[Body], body: Any, message: str) -> Body:
    """``body`` (the parsed JSON) as ``model``, or raise 422 with a message per field."""
    if not isinstance(body, dict):
        raise BodyInvalid("The body must be a JSON object.", fields={"body": "JSON object"})
    try:
        return model.model_validate(body)
    except ValidationError as error:
        raise BodyInvalid(message, fields=field_errors(error)) from None


# --- POST /orders ---------------------------------------------------------------------

class Customer(Body):
    name: Text(120)
    email: Text(160)
    phone: Text(40)
    group: Text(30, "Customer group for sourcing rules, e.g. vip.")


class Address(Body):
    name: Text(120)
    street: Text(160)
    postcode: Text(16)
    city: Text(80)
    country: Text(2, "ISO country code; DE when absent.")


class Delivery(Body):
    method: Text(20, "home (default), click_collect or locker.",
                  json_schema_extra={"enum": ["home", "click_collect", "locker", None]})
    pickup_location: Text(16, "Store code for click_collect.")
    locker_id: Text(40, "Locker code (GET /lockers) for locker.")


def _provider_enum(schema: dict) -> None:
    from portal.payments.providers import provider_names

    schema["enum"] = list(provider_names())


class Payment(Body):
    provider: StrictStr = Field("sandbox", description="A payment provider enabled here.",
                                json_schema_extra=_provider_enum)

    @field_validator("provider")
    @classmethod
    def _enabled(cls, value: str) -> str:
        from portal.payments.providers import provider_names

        if value not in provider_names():
            raise ValueError(f"One of: {', '.join(provider_names())}.")
        return value


def _language_enum(schema: dict) -> None:
    schema["enum"] = [*languages(), None]


class OrderLineIn(Body):
    model_config = ConfigDict(extra="allow")  # the order service checks each line

    sku: StrictStr | None = Field(None, description="An active SKU.")
    quantity: StrictInt | None = Field(None, description="1 to 999.",
                                       json_schema_extra={"minimum": 1, "maximum": 999})
    unit_price: StrictStr | float | None = Field(
        None, description="The price the shop showed; 422 when it changed.")


class OrderIn(Body):
    """An order from the web shop or a marketplace."""

    channel: Literal["web", "marketplace"] = "web"
    customer: Customer = Field(default_factory=Customer)
    shipping_address: Address = Field(default_factory=Address)
    delivery: Delivery = Field(default_factory=Delivery)
    payment: Payment = Field(default_factory=Payment)
    lines: list[OrderLineIn] = Field(description="1 to 100 lines {sku, quantity, unit_price?}.",
                                     json_schema_extra={"minItems": 1, "maxItems": 100})
    shipping_fee: StrictStr | float | None = Field(
        None, description='A decimal string or number, e.g. "4.95" (0 when absent).')
    language: StrictStr | None = Field(
        None, description="The customer's language, which their e-mails speak: de or en; "
                          "the portal's default when absent.",
        json_schema_extra=_language_enum)

    @field_validator("language")
    @classmethod
    def _spoken(cls, value: str | None) -> str | None:
        if value is not None and value not in languages():
            raise ValueError(f"One of: {', '.join(languages())}.")
        return value

    @field_validator("lines", mode="before")
    @classmethod
    def _lines(cls, value: Any) -> Any:
        if not isinstance(value, list) or not all(isinstance(line, dict) for line in value):
            raise ValueError("A list of {sku, quantity, unit_price?} objects.")
        return value

    @field_validator("shipping_fee", mode="before")
    @classmethod
    def _fee(cls, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, (int, float, str)) and not isinstance(value, bool) \
                and len(str(value)) <= 20:
            try:
                Decimal(str(value).strip())
                return value
            except InvalidOperation:
                pass
        raise ValueError('A decimal string or number, e.g. "4.95".')


# --- POST /returns --------------------------------------------------------------------

RETURN_TEXT = 200
DROP_OFFS = ("store", "post_office", "mailbox")


class ReturnLineIn(Body):
    sku: StrictStr | None = Field(None, min_length=1, max_length=64)
    line_no: StrictInt | None = Field(None, ge=1, description="Line number of the order.")
    quantity: StrictInt = Field(ge=1, le=10_000)
    reason: Text(RETURN_TEXT)

    @model_validator(mode="after")
    def _named(self) -> ReturnLineIn:
        if self.line_no is None and not (self.sku or "").strip():
            raise ValueError("Name the order line by sku or line_no.")
        return self


class ReturnIn(Body):
    """A return of some of an order's units."""

    order_number: StrictStr = Field(min_length=1, max_length=20,
                                    description="The order's number, e.g. OMS-2026-000123.")
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=MAX_RETURN_LINES)
    reason: Text(RETURN_TEXT)
    drop_off: Literal["store", "post_office", "mailbox"]
    store: StrictStr | None = Field(None, min_length=1, max_length=16, validate_default=True,
                                    description="Store code, required for drop_off=store.")

    @field_validator("order_number")
    @classmethod
    def _number(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("The order's number, e.g. OMS-2026-000123.")
        return value.strip()

    @field_validator("store")
    @classmethod
    def _store(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("drop_off") == "store" and not value:
            raise ValueError("The code of a store that takes returns (see drop_off_options).")
        return value


# --- POST /fulfillments/{id}/events, POST /shipments/{n}/events -----------------------

EventId = Annotated[StrictStr, Field(min_length=1, max_length=100, description=(
    "Unique per event and API key; the Idempotency-Key header when absent."))]


def _event_id(value: Any) -> Any:
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise ValueError("Required (body or Idempotency-Key header): a unique string "
                         "of at most 100 characters per event.")
    return value.strip()


class FulfillmentEventIn(Body):
    """One WMS step; ``parcels``, ``tracking_number`` and ``reason`` are checked for
    shape by the fulfilment service with the event type."""

    event_id: EventId
    type: StrictStr = Field(description="accepted, picked, packed, shipped, rejected, ...",
                            json_schema_extra={"enum": [str(kind) for kind in EventType]})
    parcels: Any = Field(None, json_schema_extra={
        "type": "array", "maxItems": 50, "items": {
            "type": "object", "additionalProperties": False, "properties": {
                "reference": {"type": "string", "maxLength": 60},
                "tracking_number": {"type": "string", "maxLength": 60},
                "sscc": {"type": "string", "pattern": r"^\d{18}$"},
                "weight_kg": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000},
            } | {name: {"type": "integer", "minimum": 0, "maximum": 300}
                 for name in ("length_cm", "width_cm", "height_cm")}}})
    tracking_number: Any = Field(None, json_schema_extra={"type": "string", "maxLength": 60})
    reason: Any = Field(None, json_schema_extra={"type": "string", "maxLength": 160})

    _check_event_id = field_validator("event_id", mode="before")(_event_id)

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError("One of: accepted, picked, packed, shipped, rejected, ...")
        return value


MAX_AHEAD = timedelta(hours=1)  # carriers' clocks drift; a later time is a mistake


class ShipmentEventIn(Body):
    """One carrier event."""

    event_id: EventId
    status: Literal["handed_over", "in_transit", "delivered"]
    at: StrictStr | None = Field(None, description=(
        "ISO-8601 time (UTC without an offset), at most an hour ahead."),
        json_schema_extra={"format": "date-time"})
    place: Text(120)
    note: Text(200)

    _check_event_id = field_validator("event_id", mode="before")(_event_id)

    @field_validator("at")
    @classmethod
    def _at(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            at = utc_time(value)
        except (ValueError, OverflowError):  # 0001-01-01T00:00+14:00 has no UTC time
            raise ValueError("An ISO-8601 time, e.g. 2026-03-02T14:05:00+01:00.") from None
        if at > utcnow() + MAX_AHEAD:
            raise ValueError("The event cannot lie in the future.")
        return value


def utc_time(value: str) -> datetime:
    """An ISO-8601 time as naive UTC, as stored (without an offset it is UTC already)."""
    at = datetime.fromisoformat(value.strip())
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at


def with_event_id(body: Any, header: str | None) -> Any:
    """The body with ``event_id`` from the ``Idempotency-Key`` header when it has none."""
    if isinstance(body, dict) and "event_id" not in body:
        return {**body, "event_id": header or ""}
    return body


# --- POST /payments/webhook/{provider} ------------------------------------------------
# The webhooks check the signature over the raw body and read the event themselves
# (portal/payments/webhooks.py); these models only describe what they read.

class SandboxEventData(BaseModel):
    payment: StrictStr = Field(description="The payment's token.")
    reference: StrictStr | None = Field(None, description="The provider's reference.")


class SandboxEventIn(BaseModel):
    """An event of the built-in sandbox provider, signed with Sandbox-Signature."""

    id: StrictStr
    type: StrictStr = Field(description="payment.succeeded, payment.failed, "
                                        "payment.requires_action, refund.succeeded, ...")
    data: SandboxEventData


class StripeEventData(BaseModel):
    object: dict[str, Any] = Field(description="The PaymentIntent or Refund.")


class StripeEventIn(BaseModel):
    """A Stripe event, signed with Stripe-Signature."""

    id: StrictStr
    type: StrictStr = Field(description="payment_intent.succeeded, refund.updated, ...")
    data: StripeEventData


# endpoint → the model of its request body (the OpenAPI document reads this)
REQUEST_BODIES: dict[str, type[BaseModel]] = {
    "api.create_order": OrderIn,
    "api.create_return": ReturnIn,
    "api.report_event": FulfillmentEventIn,
    "api.report_shipment_event": ShipmentEventIn,
    "payment_webhooks.sandbox": SandboxEventIn,
    "payment_webhooks.stripe_events": StripeEventIn,
}
