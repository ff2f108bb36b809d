"""The customer's e-mails about a return, queued in the outbox inside the caller's
transaction (so they commit or roll back with the return): registered (the label link
and how to drop it off) and refunded. Once per RMA each (the RMA is the message's
``ref``). A return taken back at a counter gets no "registered" mail: the customer
handed it in already, the refund mail follows."""

from __future__ import annotations

from portal.inventory.models import Product
from portal.locations.models import Location
from portal.notifications.messages import RETURN_REFUNDED, RETURN_REGISTERED, public_url
from portal.notifications.services import queue_order_message
from portal.orders.models import Order, OrderLine
from portal.payments.models import Payment, Refund
from portal.returns.drop_off import DROP_OFF_HELP
from portal.returns.models import ReturnLine, ReturnOrder
from portal.returns.status import DROP_OFF_LABELS, DropOff, ReturnStatus


def label_url(rma: ReturnOrder, order: Order) -> str | None:
    """The customer's public link to the return label (none without a return parcel or
    for a cancelled return)."""
    if not rma.shipment_id or rma.status == ReturnStatus.CANCELLED:
        return None
    return public_url("tracking.return_label", token=order.tracking_token, rma=rma.number)


def _lines(rma: ReturnOrder) -> list[dict]:
    return [{"name": line.order_line.product.name, "sku": line.order_line.product.sku,
             "quantity": line.quantity}
            for line in ReturnLine.select(ReturnLine, OrderLine, Product)
            .join(OrderLine).join(Product)
            .where(ReturnLine.return_order == rma.id).order_by(ReturnLine.id)]


def _place(location: Location | None) -> str:
    if location is None:
        return ""
    town = " ".join(part for part in (location.postcode, location.city) if part)
    return ", ".join(part for part in (location.name, location.street, town) if part)


def return_registered(rma_id: int, via: str) -> None:
    """Queue the "return registered" e-mail (not for a return handed in at a counter)."""
    if via == "counter":
        return
    rma = ReturnOrder.get_by_id(rma_id)
    order = Order.get_by_id(rma.order_id)
    store = (Location.get_by_id(rma.location_id)
             if rma.drop_off == DropOff.STORE and rma.location_id else None)
    queue_order_message(order, RETURN_REGISTERED, ref=rma.number, extra={
        "rma_number": rma.number, "drop_off": rma.drop_off,
        "drop_off_label": DROP_OFF_LABELS.get(rma.drop_off, rma.drop_off),
        "drop_off_help": DROP_OFF_HELP.get(rma.drop_off, ""),
        "store_address": _place(store), "label_url": label_url(rma, order),
        "return_lines": _lines(rma)})


def return_refunded(rma: ReturnOrder, refund: Refund) -> None:
    """Queue the "we refunded your return" e-mail for ``refund`` of ``rma``."""
    order = Order.get_by_id(rma.order_id)
    payment = Payment.get_by_id(refund.payment_id)
    queue_order_message(order, RETURN_REFUNDED, ref=rma.number, extra={
        "rma_number": rma.number, "refund_amount": refund.amount,
        "refund_currency": refund.currency, "in_cash": payment.method == "cash",
        "return_lines": _lines(rma)})
