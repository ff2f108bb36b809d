"""Pydantic models of what the API answers, for the OpenAPI document only: the views
build their JSON by hand (``orders.order_json``, ``returns.return_json``, ...), and
``tests/test_schemathesis.py`` holds every real answer against these models.

Every model forbids keys it does not name and requires every key the views always
send, so a key added to a view without its model fails that test. Times are UTC,
ISO 8601 with ``Z``; money is a decimal string with two places. Nothing here is
used to validate requests (``schemas.py`` does that).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from portal.fulfilment.status import EventType, FulfillmentStatus
from portal.i18n import languages
from portal.inventory.status import Channel
from portal.locations.status import LocationKind
from portal.orders.status import DeliveryMethod, OrderStatus
from portal.payments.status import PaymentStatus, RefundStatus
from portal.returns.status import Condition, Disposition, DropOff, ReturnStatus
from portal.shipping.status import Destination, ShipmentStatus

Money = Annotated[str, Field(pattern=r"^-?\d+\.\d{2}$", examples=["49.99"])]
Url = Annotated[str, Field(pattern=r"^https?://", description="An absolute URL.")]


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- errors ---------------------------------------------------------------------------

class ErrorDetail(Answer):
    code: str = Field(description="Machine-readable, e.g. invalid, not_found, out_of_stock.")
    message: str = Field(description="For people, in English.")
    fields: dict[str, str] = Field(description="Field (dotted like the body) → message; "
                                               "empty when the error is not about a field.")


class Error(Answer):
    """Every error of the API: ``{"error": {"code", "message", "fields"}}``."""

    error: ErrorDetail


# --- GET /whoami, GET /openapi.json, webhooks -----------------------------------------

class WhoAmI(Answer):
    name: str
    scopes: list[str]
    prefix: str = Field(description="The key's public prefix (never the secret).")


class OpenApiDocument(BaseModel):
    """This document."""

    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
    components: dict[str, Any]


class WebhookReceipt(Answer):
    received: Literal[True]
    duplicate: bool = Field(description="The event was processed before; nothing changed.")


# --- GET /availability, GET /lockers --------------------------------------------------

class LocationStock(Answer):
    location: str
    kind: LocationKind
    available: int
    on_hand: int
    reserved: int


class IncomingDelivery(Answer):
    location: str
    quantity: int
    expected_on: date
    late: bool = Field(description="Overdue but still expected.")


class SkuAvailability(Answer):
    sku: str
    available: int = Field(ge=0)
    location_count: int = Field(ge=0, description="Locations with stock to sell.")
    locations: list[LocationStock] = Field(description="The best ``limit`` locations.")
    incoming: list[IncomingDelivery]


class Availability(Answer):
    skus: list[SkuAvailability]
    unknown: list[str] = Field(description="SKUs asked for that do not exist.")
    channel: Channel


class Locker(Answer):
    code: str = Field(description="What an order names as delivery.locker_id.")
    name: str
    street: str
    postcode: str
    city: str
    country: str


class Lockers(Answer):
    items: list[Locker]


# --- shipments (in orders and fulfilments) --------------------------------------------

class ParcelOut(Answer):
    parcel_no: int
    weight_kg: str = Field(description='Kilograms as a decimal string, e.g. "2.5".')
    sscc: str


class ShipmentOut(Answer):
    tracking_number: str
    carrier: str
    service: str
    status: ShipmentStatus
    destination: Destination
    parcels: list[ParcelOut]
    tracking_url: Url | None = Field(description="The carrier's tracking page, if known.")


# --- fulfilments (WMS) ----------------------------------------------------------------

class FulfillmentLine(Answer):
    sku: str
    quantity: int
    promised_until: date = Field(None, description=(
        "Only for units of an incoming delivery: the day they are expected."))


class Fulfillment(Answer):
    id: int
    number: str
    order_number: str
    location: str
    status: FulfillmentStatus
    delivery_method: DeliveryMethod
    pickup_location: str | None
    customer_city: str
    lines: list[FulfillmentLine]
    rejected_reason: str | None
    shipments: list[ShipmentOut]
    created_at: datetime
    updated_at: datetime


class FulfillmentPage(Answer):
    items: list[Fulfillment]
    page: int
    per_page: int
    next: Url | None = Field(description="The next page, while there is one.")


class FulfillmentEventOut(Answer):
    id: str | None = Field(description="The event id the WMS sent.")
    type: EventType
    from_status: FulfillmentStatus
    to_status: FulfillmentStatus
    at: datetime


class FulfillmentEventResult(Answer):
    event: FulfillmentEventOut
    duplicate: bool = Field(description="The same report again: nothing changed.")
    fulfillment: Fulfillment


# --- orders ---------------------------------------------------------------------------

class OrderDelivery(Answer):
    method: DeliveryMethod
    pickup_location: str | None
    locker_id: str | None


class OrderLineOut(Answer):
    line: int
    sku: str
    quantity: int
    unit_price: Money


class PlannedLine(Answer):
    sku: str
    quantity: int


class PlannedFulfillment(Answer):
    id: str = Field(description="<order number>-<location code>")
    location: str
    lines: list[PlannedLine]


class RefundOut(Answer):
    amount: Money
    currency: str
    status: RefundStatus
    reference: str
    reason: str
    created_at: datetime


class NextAction(BaseModel):
    """What the customer does next, as the provider's adapter says (more keys per
    provider, e.g. Stripe's ``client_secret``)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="redirect (with url), stripe_payment_intent, ...")


class PaymentOut(Answer):
    provider: str | None
    status: PaymentStatus
    next_action: NextAction | None
    refunds: list[RefundOut]


class OrderReturn(Answer):
    rma: str
    status: ReturnStatus
    refund_total: Money


def _language_enum(schema: dict) -> None:
    schema["enum"] = list(languages())


class OrderOut(Answer):
    number: str
    status: OrderStatus
    channel: Channel
    tracking_url: Url = Field(description="The customer's public tracking page.")
    delivery: OrderDelivery
    lines: list[OrderLineOut]
    fulfillments: list[PlannedFulfillment] = Field(
        description="Where the units are reserved now, per location.")
    shipping_fee: Money
    total: Money
    currency: str
    language: str = Field(description="The customer's language, which their e-mails speak.",
                          json_schema_extra=_language_enum)
    reserved_until: datetime | None
    payment: PaymentOut
    shipments: list[ShipmentOut]
    returns: list[OrderReturn]


# --- returns --------------------------------------------------------------------------

class ReturnLocation(Answer):
    code: str
    name: str
    street: str
    postcode: str
    city: str
    country: str


class ReturnLineOut(Answer):
    line_no: int
    sku: str
    quantity: int
    reason: str
    condition: Condition | None
    disposition: Disposition | None
    refund_amount: Money | None


class ReturnRefund(Answer):
    total: Money
    currency: str
    status: RefundStatus | None


class ReturnEventOut(Answer):
    kind: str
    at: datetime


class ReturnOut(Answer):
    rma: str
    order_number: str
    status: ReturnStatus
    drop_off: DropOff
    location: ReturnLocation | None
    lines: list[ReturnLineOut]
    refund: ReturnRefund
    tracking_number: str | None
    label_url: Url | None = Field(description="The customer's label (PDF), if any.")
    created_at: datetime
    received_at: datetime | None
    events: list[ReturnEventOut]


class StoreDropOff(Answer):
    drop_off: Literal["store"]
    store: str
    name: str
    street: str
    postcode: str
    city: str
    distance_km: float | None
    description: str


class PostDropOff(Answer):
    drop_off: Literal["post_office", "mailbox"]
    description: str


class CreatedReturn(ReturnOut):
    drop_off_options: list[StoreDropOff | PostDropOff] = Field(
        description="Stores that take returns (nearest first, at most 10), post, mailbox.")


# --- POST /shipments/{tracking_number}/events -----------------------------------------

class ShipmentEventOut(Answer):
    id: str | None
    status: ShipmentStatus
    at: datetime
    place: str
    note: str


class ShipmentEventResult(Answer):
    event: ShipmentEventOut
    moved: bool = Field(description="False for a status behind the shipment's.")
    duplicate: bool
    shipment: ShipmentOut


# --- GET /tracking/{token} ------------------------------------------------------------

class TrackingPlace(Answer):
    name: str
    street: str
    postcode: str
    city: str
    country: str


class TrackingLocker(Answer):
    id: str
    name: str = None
    street: str = None
    postcode: str = None
    city: str = None
    country: str = None


class TrackingDelivery(Answer):
    method: DeliveryMethod
    city: str | None
    pickup_store: TrackingPlace | None
    ready_for_pickup: bool
    locker: TrackingLocker | None


class TrackingEvent(Answer):
    status: ShipmentStatus
    at: datetime
    place: str


class TrackingShipment(Answer):
    tracking_number: str
    carrier: str
    service: str
    status: ShipmentStatus
    parcels: int
    tracking_url: Url | None
    events: list[TrackingEvent]


class TrackingRefund(Answer):
    total: Money
    status: RefundStatus | None


class TrackingReturn(Answer):
    rma: str
    status: ReturnStatus
    refund: TrackingRefund
    tracking_number: str | None
    label_url: Url | None


class Tracking(Answer):
    order_number: str
    status: OrderStatus
    placed_at: datetime
    delivery: TrackingDelivery
    shipments: list[TrackingShipment]
    returns: list[TrackingReturn]


# endpoint → (success status, the model of its answer)
RESPONSES: dict[str, tuple[int, type[BaseModel]]] = {
    "api.whoami": (200, WhoAmI),
    "api.get_availability": (200, Availability),
    "api.list_lockers": (200, Lockers),
    "api.list_fulfillments": (200, FulfillmentPage),
    "api.get_fulfillment": (200, Fulfillment),
    "api.report_event": (200, FulfillmentEventResult),
    "api.create_order": (201, OrderOut),
    "api.get_order": (200, OrderOut),
    "api.cancel": (200, OrderOut),
    "api.create_return": (201, CreatedReturn),
    "api.get_return": (200, ReturnOut),
    "api.report_shipment_event": (200, ShipmentEventResult),
    "public_api.tracking": (200, Tracking),
    "payment_webhooks.sandbox": (200, WebhookReceipt),
    "payment_webhooks.stripe_events": (200, WebhookReceipt),
    "api_docs.openapi_json": (200, OpenApiDocument),
}
