"""The customer's return label without a login or API key:
``/track/<token>/returns/<rma>/label.pdf`` on the public tracking blueprint.

The order's tracking token is the secret (as for the tracking page); the RMA must be
one of that order's returns, not cancelled, with a return parcel. Anything else is one
and the same 404. Unlike the tracking page, the label shows the customer's name and
address (the parcel's sender). A4 by default (a home printer; the label on a quarter
page), ``?format=4x6`` for a label printer.
"""

from __future__ import annotations

from flask import Response, abort, request

from portal.orders.tracking import find_order
from portal.orders.views import tracking_bp
from portal.returns.models import ReturnOrder
from portal.returns.status import ReturnStatus
from portal.shipping.label_source import labels_for
from portal.shipping.labels import render_4x6, render_a4
from portal.shipping.models import Shipment


@tracking_bp.get("/<token>/returns/<rma>/label.pdf")
def return_label(token: str, rma: str):
    order = find_order(token)
    found = (ReturnOrder.get_or_none(ReturnOrder.number == rma.strip().upper(),
                                     ReturnOrder.order == order.id)
             if order is not None and len(rma) <= 20 else None)
    if found is None or not found.shipment_id or found.status == ReturnStatus.CANCELLED:
        abort(404)
    render = render_4x6 if request.args.get("format") == "4x6" else render_a4
    response = Response(render(labels_for([Shipment.get_by_id(found.shipment_id)])),
                        mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{found.number}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
