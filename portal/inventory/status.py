"""Enumerations of the inventory domain."""

from enum import StrEnum


class MovementKind(StrEnum):
    """Why a stock level changed; every ledger row carries one."""

    OPENING = "opening"
    RECEIPT = "receipt"
    SALE = "sale"
    RESERVATION = "reservation"
    RELEASE = "release"
    ADJUSTMENT = "adjustment"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    RETURN = "return"
    FEED_SYNC = "feed_sync"
    SAFETY_STOCK = "safety_stock"


class IncomingStatus(StrEnum):
    OPEN = "open"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class IncomingSource(StrEnum):
    SUPPLIER_ORDER = "supplier_order"
    TRANSFER = "transfer"


class AdjustmentReason(StrEnum):
    """Why an employee or manager corrected a stock level."""

    COUNT = "count"
    DAMAGE = "damage"
    THEFT = "theft"
    CORRECTION = "correction"


class Channel(StrEnum):
    """Sales channels; buffers hold stock back from one of them."""

    WEB = "web"
    STORE = "store"
    ORDER_IN_STORE = "order_in_store"
    MARKETPLACE = "marketplace"
