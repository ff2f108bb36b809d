"""The order confirmation a customer takes home: an A4 PDF with the order number as a
Code128 barcode (staff scan it to find the order) and the tracking URL as a QR code."""

from __future__ import annotations

import io

from flask import url_for
from flask_babel import force_locale, format_currency, format_datetime
from flask_babel import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from portal.i18n import customer_language
from portal.orders.labels import DELIVERY_LABELS, STATUS_LABELS
from portal.orders.models import Order, OrderLine, Reservation
from portal.payments.labels import METHOD_LABELS, PAYMENT_STATUS_LABELS
from portal.payments.models import Payment

LEFT, RIGHT = 20 * mm, A4[0] - 20 * mm


def _qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    widget = QrCodeWidget(text)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def _header(canvas: Canvas, order: Order) -> float:
    top = A4[1] - 20 * mm
    canvas.setFont("Helvetica-Bold", 18)
    canvas.drawString(LEFT, top, _("Order confirmation"))
    canvas.setFont("Helvetica", 10)
    store = order.store or order.pickup_location
    if store is not None:
        canvas.drawRightString(RIGHT, top, store.name)
        canvas.drawRightString(RIGHT, top - 12, f"{store.street}, {store.postcode} {store.city}")
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(LEFT, top - 30, order.number)
    barcode = code128.Code128(order.number, barHeight=14 * mm, barWidth=0.4 * mm)
    barcode.drawOn(canvas, LEFT - 6 * mm, top - 30 * mm)
    canvas.setFont("Helvetica", 10)
    # Babel puts narrow no-break spaces into times; the PDF's base font has no glyph.
    created = format_datetime(order.created_at, "short").replace("\u202f", " ")
    canvas.drawString(LEFT, top - 36 * mm, created.replace("\xa0", " "))
    canvas.drawString(LEFT, top - 41 * mm, f"{_('Status')}: "
                      f"{STATUS_LABELS.get(order.status, order.status)}")
    return top - 52 * mm


def _customer(canvas: Canvas, order: Order, y: float) -> float:
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(LEFT, y, _("Customer"))
    canvas.setFont("Helvetica", 10)
    rows = [order.customer_name, order.customer_email, order.customer_phone]
    delivery = str(DELIVERY_LABELS.get(order.delivery_method, order.delivery_method))
    if order.pickup_location is not None:
        delivery += f" · {order.pickup_location.name}"
    rows.append(f"{_('Delivery')}: {delivery}")
    if order.ship_street:
        rows.append(f"{order.ship_street}, {order.ship_postcode} {order.ship_city}, "
                    f"{order.ship_country}")
    for text in filter(None, rows):
        y -= 13
        canvas.drawString(LEFT, y, text)
    return y - 20


def _lines(canvas: Canvas, order: Order, y: float) -> float:
    lines = list(OrderLine.select(OrderLine, OrderLine.product).where(OrderLine.order == order)
                 .order_by(OrderLine.line_no))
    sources = {}
    for reservation in Reservation.select().where(Reservation.line.in_([ln.id for ln in lines])):
        sources.setdefault(reservation.line_id, set()).add(reservation.location.code)
    currency = order.currency
    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawString(LEFT, y, _("Article"))
    canvas.drawRightString(RIGHT - 60 * mm, y, _("Quantity"))
    canvas.drawRightString(RIGHT - 30 * mm, y, _("Unit price"))
    canvas.drawRightString(RIGHT, y, _("Amount"))
    canvas.setFont("Helvetica", 10)
    for line in lines:
        y -= 14
        if y < 40 * mm:
            canvas.showPage()
            canvas.setFont("Helvetica", 10)
            y = A4[1] - 25 * mm
        origin = ", ".join(sorted(sources.get(line.id, ())))
        canvas.drawString(LEFT, y, f"{line.product.sku}  {line.product.name}"[:60])
        if origin:
            canvas.setFont("Helvetica", 8)
            canvas.drawString(LEFT, y - 9, _("from %(location)s", location=origin))
            canvas.setFont("Helvetica", 10)
            y -= 9
        canvas.drawRightString(RIGHT - 60 * mm, y, str(line.quantity))
        canvas.drawRightString(RIGHT - 30 * mm, y, format_currency(line.unit_price, currency))
        canvas.drawRightString(RIGHT, y, format_currency(line.unit_price * line.quantity,
                                                         currency))
    if order.shipping_fee:
        y -= 16
        canvas.drawString(LEFT, y, _("Shipping fee"))
        canvas.drawRightString(RIGHT, y, format_currency(order.shipping_fee, currency))
    y -= 18
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawRightString(RIGHT, y, f"{_('Total')}: {format_currency(order.total, currency)}")
    payment = (Payment.select().where(Payment.order == order).order_by(Payment.id.desc())
               .first())
    if payment is not None:
        canvas.setFont("Helvetica", 10)
        method = METHOD_LABELS.get(payment.method, payment.method)
        state = PAYMENT_STATUS_LABELS.get(payment.status, payment.status)
        canvas.drawRightString(RIGHT, y - 14, f"{_('Payment')}: {method} "
                               f"{payment.provider_reference} · {state}")
    return y - 30


def confirmation_pdf(order: Order) -> io.BytesIO:
    """The confirmation of ``order`` as a PDF file object, in the customer's language (it
    is theirs to take home, whoever prints it)."""
    with force_locale(customer_language(order.language)):
        return _confirmation_pdf(order)


def _confirmation_pdf(order: Order) -> io.BytesIO:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{_('Order confirmation')} {order.number}")
    y = _customer(canvas, order, _header(canvas, order))
    y = _lines(canvas, order, y)
    tracking = url_for("tracking.track", token=order.tracking_token, _external=True)
    if y < 60 * mm:
        canvas.showPage()
        y = A4[1] - 25 * mm
    _qr(canvas, tracking, LEFT, y - 40 * mm, 38 * mm)
    canvas.setFont("Helvetica", 9)
    canvas.drawString(LEFT + 42 * mm, y - 12 * mm, _("Track your order:"))
    canvas.drawString(LEFT + 42 * mm, y - 17 * mm, tracking)
    canvas.showPage()
    canvas.save()
    buffer.seek(0)
    return buffer
