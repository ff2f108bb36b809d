"""Writing the audit trail; callers do it inside their own transaction."""

from __future__ import annotations

import json

from portal.audit.models import AuditEvent


def record_audit(actor, action: str, obj=None, **detail) -> AuditEvent:
    """Append one audit event for ``actor`` (a User, an ApiKey or None for the system)."""
    user_id = getattr(actor, "id", None) if hasattr(actor, "email") else None
    label = getattr(actor, "email", None) or getattr(actor, "name", None) or "system"
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
