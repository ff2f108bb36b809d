"""Packing and labels (routes on the ``fulfilment`` blueprint).

``/fulfilment/<id>/pack`` is the pack screen: the articles to pack, one row per parcel
(weight, size; "add a parcel" posts the rows typed so far and answers them with one
more, ``?parcels=n`` opens the screen with n rows), and,
once packed, the shipment with its labels and the button that hands it to the carrier.
Labels print per fulfilment (4x6 inch PDF, A4 with four per page, ZPL) or for a
selection of the queue in one document (``labels_batch``).
"""

from __future__ import annotations

from datetime import datetime

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.login import roles_required
from portal.errors import DomainError
from portal.fulfilment import queries
from portal.fulfilment.models import FulfillmentOrder
from portal.fulfilment.services import advance, pickup_here
from portal.fulfilment.status import STATUS_LABELS, FulfillmentStatus
from portal.fulfilment.views import MAX_BULK, STAFF, _visible, bp
from portal.orders.models import Order
from portal.shipping.carriers import SERVICE_NAMES
from portal.shipping.label_source import labels_for
from portal.shipping.labels import render_4x6, render_a4, render_zpl
from portal.shipping.models import Parcel, Shipment
from portal.shipping.shipments import ParcelSpec, suggested_weight
from portal.shipping.status import STATUS_LABELS as SHIPMENT_LABELS

MAX_PARCELS = 20
FORMATS = {"4x6": render_4x6, "a4": render_a4}


def _parcel_rows(count: int, source=None) -> list[dict]:
    source = source or {}
    return [{field: source.get(f"{field}-{i}", "") for field in
             ("weight_kg", "length_cm", "width_cm", "height_cm")} for i in range(count)]


def _pack_context(fulfillment: FulfillmentOrder, rows: list[dict] | None = None,
                  errors: dict | None = None, focus: str = "") -> dict:
    order = Order.get_by_id(fulfillment.order_id)
    shipments = list(Shipment.select().where(Shipment.fulfillment == fulfillment.id)
                     .order_by(Shipment.id))
    parcels = {}
    for parcel in (Parcel.select().where(Parcel.shipment.in_([s.id for s in shipments]))
                   .order_by(Parcel.parcel_no)):
        parcels.setdefault(parcel.shipment_id, []).append(parcel)
    if rows is None:
        try:
            count = min(max(int(request.args.get("parcels", 1)), 1), MAX_PARCELS)
        except ValueError:
            count = 1
        rows = _parcel_rows(count)
        rows[0]["weight_kg"] = rows[0]["weight_kg"] or str(suggested_weight(fulfillment))
    return {"f": fulfillment, "order": order, "lines": queries.lines_of([fulfillment]).get(
        fulfillment.id, []), "shipments": shipments, "parcels": parcels, "rows": rows,
        "errors": errors or {}, "pickup_here": pickup_here(order, fulfillment),
        "status_labels": STATUS_LABELS, "shipment_labels": SHIPMENT_LABELS,
        "can_pack": fulfillment.status in (FulfillmentStatus.ACCEPTED,
                                           FulfillmentStatus.PICKING),
        "max_parcels": MAX_PARCELS, "focus": focus, "service_names": SERVICE_NAMES}


@bp.get("/<int:fulfillment_id>/pack")
@roles_required(*STAFF)
def pack(fulfillment_id: int):
    return render_template("fulfilment/pack.html", **_pack_context(_visible(fulfillment_id)))


@bp.post("/<int:fulfillment_id>/pack")
@roles_required(*STAFF)
def pack_submit(fulfillment_id: int):
    """Record the parcels: packed, with a shipment, tracking number and SSCCs."""
    fulfillment = _visible(fulfillment_id)
    try:
        count = min(max(int(request.form.get("count", 1)), 1), MAX_PARCELS)
    except ValueError:
        count = 1
    rows = _parcel_rows(count, request.form)
    if request.form.get("add") and count < MAX_PARCELS:
        # "Add a parcel": the same rows as typed, and one more (nothing is saved yet).
        return render_template("fulfilment/pack.html", **_pack_context(
            fulfillment, [*rows, *_parcel_rows(1)], focus=f"weight_kg-{count}"))
    errors: dict[str, str] = {}
    specs = [ParcelSpec.parse(row, f"parcels.{i}", errors) for i, row in enumerate(rows)]
    if not errors:
        try:
            _to_packed(fulfillment, specs)
        except DomainError as error:
            errors["form"] = error.message
            errors.update(error.fields or {})
    if errors:
        flash(errors.get("form") or _("Check the marked parcels."), "error")
        return render_template("fulfilment/pack.html",
                               **_pack_context(fulfillment, rows, errors)), 422
    flash(_("%(number)s is packed; print its labels.", number=fulfillment.number), "success")
    return redirect(url_for(".pack", fulfillment_id=fulfillment.id))


def _to_packed(fulfillment: FulfillmentOrder, specs: list[ParcelSpec]) -> None:
    """Picking starts implicitly when a packer packs an accepted fulfilment."""
    if fulfillment.status == FulfillmentStatus.ACCEPTED:
        advance(fulfillment, "picking", current_user)
    parcels = [{"weight_kg": float(spec.weight_kg), "length_cm": spec.length_cm,
                "width_cm": spec.width_cm, "height_cm": spec.height_cm} for spec in specs]
    advance(FulfillmentOrder.get_by_id(fulfillment.id), "packed", current_user,
            payload={"parcels": parcels})


def _document(shipments: list[Shipment], fmt: str, name: str) -> Response:
    """The labels of ``shipments`` in ``fmt`` (4x6, a4 or zpl) as a download."""
    labels = labels_for(shipments)
    if fmt == "zpl":
        return Response(render_zpl(labels), mimetype="application/zpl",
                        headers={"Content-Disposition": f'attachment; filename="{name}.zpl"'})
    render = FORMATS.get(fmt, render_4x6)
    return Response(render(labels), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})


def _shipments(fulfillment_ids: list[int]) -> list[Shipment]:
    order = {fid: n for n, fid in enumerate(fulfillment_ids)}
    found = Shipment.select().where(Shipment.fulfillment.in_(fulfillment_ids))
    return sorted(found, key=lambda s: (order[s.fulfillment_id], s.id))


@bp.get("/<int:fulfillment_id>/labels")
@roles_required(*STAFF)
def labels(fulfillment_id: int):
    """The labels of one fulfilment: ``?format=4x6`` (default) or ``a4``."""
    fulfillment = _visible(fulfillment_id)
    shipments = _shipments([fulfillment.id])
    if not shipments:
        abort(404)
    try:
        return _document(shipments, request.args.get("format", "4x6"),
                         f"labels-{fulfillment.number}")
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for(".pack", fulfillment_id=fulfillment.id))


@bp.get("/<int:fulfillment_id>/labels.zpl")
@roles_required(*STAFF)
def labels_zpl(fulfillment_id: int):
    """ZPL II of one fulfilment's labels, for thermal printers."""
    fulfillment = _visible(fulfillment_id)
    shipments = _shipments([fulfillment.id])
    if not shipments:
        abort(404)
    return _document(shipments, "zpl", f"labels-{fulfillment.number}")


@bp.post("/labels")
@roles_required(*STAFF)
def labels_batch():
    """Every parcel label of the selected rows in one document, in the rows' order."""
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()][:MAX_BULK]
    allowed = {place.id for place in queries.queue_locations(current_user)}
    mine = {f.id for f in FulfillmentOrder.select(FulfillmentOrder.id, FulfillmentOrder.location)
            .where(FulfillmentOrder.id.in_(ids)) if f.location_id in allowed}
    shipments = _shipments([i for i in ids if i in mine])
    back = redirect(url_for(".index", **{k: v for k in ("location", "status", "q")
                                         if (v := request.form.get(k, ""))}))
    if not shipments:
        flash(_("None of the selected rows has labels yet: pack them first."), "error")
        return back
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    try:
        return _document(shipments, request.form.get("format", "4x6"), f"labels-{stamp}")
    except DomainError as error:
        flash(error.message, "error")
        return back
