"""Writing the audit trail; callers do it inside their own transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass

from portal.audit.models import AuditEvent


def actor_label(actor) -> str:
    """Who acted: a user's e-mail, an API key's name, a provider's name, else "system"."""
    if isinstance(actor, str):
        return actor
    return getattr(actor, "email", None) or getattr(actor, "name", None) or "system"


def record_audit(actor, action: str, obj=None, **detail) -> AuditEvent:
    """Append one audit event for ``actor`` (a User, an ApiKey or None for the system)."""
    user_id = getattr(actor, "id", None) if hasattr(actor, "email") else None
    label = actor_label(actor)
    return AuditEvent.create(
        user_id=user_id,
        actor=label,
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=str(getattr(obj, "id", "")) if obj is not None else "",
        detail=json.dumps(detail, default=str, sort_keys=True) if detail else "",
    )


def recent_audit_events(limit: int = 20):
    """The newest audit events first."""
    return AuditEvent.select().order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)


@dataclass(frozen=True)
class AuditRow:
    """One audit event prepared for a table: who, what object, which details."""

    event: AuditEvent
    object_name: str  # the user's e-mail, the location's code, the key's name, else the id
    details: list[tuple[str, object]]  # values are text, or True/False for flags

    @property
    def is_system(self) -> bool:
        return self.event.actor == "system"


def _detail_pairs(detail: str) -> list[tuple[str, object]]:
    """``{"email": "a@b", "scopes": ["x", "y"]}`` as ``[("email", "a@b"), ("scopes", "x, y")]``;
    booleans stay booleans so that the template can say yes or no in the reader's language."""
    if not detail:
        return []
    try:
        data = json.loads(detail)
    except ValueError:
        return [("", detail)]
    if not isinstance(data, dict):
        return [("", str(data))]

    def text(value) -> object:
        if isinstance(value, bool):
            return value
        if isinstance(value, list | tuple):
            return ", ".join(str(text(v)) for v in value)
        if value is None:
            return "—"
        return str(value)

    return [(str(key), text(value)) for key, value in data.items()]


def _object_names(events) -> dict[tuple[str, str], str]:
    """Readable names for the objects of ``events``: one query per object type."""
    from portal.auth.models import ApiKey, User
    from portal.locations.models import Location
    from portal.suppliers.models import Supplier

    lookups = {"user": (User, User.email), "location": (Location, Location.code),
               "apikey": (ApiKey, ApiKey.name), "supplier": (Supplier, Supplier.code)}
    wanted: dict[str, set[int]] = {}
    for event in events:
        if event.object_type in lookups and str(event.object_id).isdigit():
            wanted.setdefault(event.object_type, set()).add(int(event.object_id))
    names: dict[tuple[str, str], str] = {}
    for object_type, ids in wanted.items():
        model, column = lookups[object_type]
        for row_id, name in model.select(model.id, column).where(model.id.in_(ids)).tuples():
            names[(object_type, str(row_id))] = name
    return names


def audit_rows(events) -> list[AuditRow]:
    """``events`` ready for the audit table, object names resolved in a few queries."""
    events = list(events)
    names = _object_names(events)
    return [AuditRow(event=event,
                     object_name=names.get((event.object_type, event.object_id), event.object_id),
                     details=_detail_pairs(event.detail))
            for event in events]
