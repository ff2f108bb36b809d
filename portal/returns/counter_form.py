"""The counter return form: per order line a quantity (0 to what may still come back), a
condition and a reason, read into a ``ReturnRequest`` with the conditions by line number.

Inputs are named ``quantity-<line_no>``, ``condition-<line_no>``, ``reason-<line_no>``
(and ``photos-<line_no>``, read by the view); errors are keyed by those names (``lines``
when no article was chosen), so each message lands next to its input. ``input_errors``
maps the service's field errors the same way.
"""

from __future__ import annotations

from flask_babel import gettext as _

from portal.forms import parse_whole_number
from portal.orders.models import Order, OrderLine
from portal.returns.services import ReturnRequest
from portal.returns.status import Condition

MAX_REASON = 200


def read_form(form, order: Order, lines: list[tuple[OrderLine, int]]
              ) -> tuple[ReturnRequest, dict[int, str], dict[str, str]]:
    """(request, line_no → condition, errors) from the posted ``form``; ``lines`` are the
    order's lines with the units each may still return."""
    errors: dict[str, str] = {}
    chosen: list[dict] = []
    conditions: dict[int, str] = {}
    for line, left in lines:
        no = line.line_no
        raw = form.get(f"quantity-{no}", "").strip()
        quantity = parse_whole_number(raw) if raw else 0
        if quantity is None:
            errors[f"quantity-{no}"] = _("A whole number from 0 to %(left)s.", left=left)
            continue
        if quantity > left:
            errors[f"quantity-{no}"] = _("At most %(left)s can still be returned.", left=left)
            continue
        if not quantity:
            continue
        condition = form.get(f"condition-{no}", "")
        if condition not in set(Condition):
            errors[f"condition-{no}"] = _("Choose the article's condition.")
        conditions[no] = condition
        chosen.append({"line_no": no, "quantity": quantity,
                       "reason": form.get(f"reason-{no}", "").strip()[:MAX_REASON]})
    if not chosen and not errors:
        errors["lines"] = _("Enter how many units of at least one article come back.")
    request = ReturnRequest(order.number, chosen,
                            reason=form.get("reason", "").strip()[:MAX_REASON])
    return request, conditions, errors


def input_errors(fields: dict[str, str], request: ReturnRequest) -> dict[str, str]:
    """The service's ``lines.<i>[.quantity]`` as the form's ``quantity-<line_no>``,
    ``lines.<i>.photos`` as ``photos-<line_no>``."""
    errors = {}
    for name, message in fields.items():
        parts = name.split(".")
        if parts[0] == "lines" and len(parts) > 1 and parts[1].isdigit() \
                and int(parts[1]) < len(request.lines):
            field = "photos" if parts[2:] == ["photos"] else "quantity"
            errors[f"{field}-{request.lines[int(parts[1])]['line_no']}"] = message
        else:
            key = "lines" if parts[0] == "lines" else "form"
            errors[key] = f"{errors[key]} {message}" if key in errors else message
    return errors
