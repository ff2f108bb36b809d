"""Audit actions and objects named for the reader: the stored code (``user.created``,
``restockrule``) stays the record and the filter's key; screens show its wording in the
reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "api_key.created": _l("API key created"),
    "api_key.revoked": _l("API key revoked"),
    "job.queued": _l("Job run started by hand"),
    "job.settings_changed": _l("Job schedule changed"),
    "location.created": _l("Location created"),
    "location.updated": _l("Location changed"),
    "locations.imported": _l("Locations imported"),
    "outbox.retried": _l("Message sent again"),
    "products.imported": _l("Products imported"),
    "restock_rule.activated": _l("Restock rule switched on"),
    "restock_rule.created": _l("Restock rule created"),
    "restock_rule.deactivated": _l("Restock rule switched off"),
    "restock_rule.deleted": _l("Restock rule deleted"),
    "restock_rule.moved": _l("Restock rule moved"),
    "restock_rule.reordered": _l("Restock rules reordered"),
    "restock_rule.updated": _l("Restock rule changed"),
    "sourcing.draft_created": _l("Sourcing draft created"),
    "sourcing.published": _l("Sourcing rules published"),
    "sourcing.rule_deleted": _l("Sourcing rule deleted"),
    "sourcing.rule_saved": _l("Sourcing rule saved"),
    "sourcing.rules_reordered": _l("Sourcing rules reordered"),
    "stock.buffer_set": _l("Channel buffer set"),
    "stock.imported": _l("Stock imported"),
    "stock.incoming_added": _l("Incoming delivery added"),
    "supplier.created": _l("Supplier created"),
    "supplier.updated": _l("Supplier changed"),
    "supplier_feed.created": _l("Supplier feed created"),
    "supplier_feed.updated": _l("Supplier feed changed"),
    "user.created": _l("User created"),
    "user.password_set": _l("Password set"),
    "user.updated": _l("User changed"),
}


def action_label(code: str) -> str:
    """The wording of an audit action (the code itself when it has none)."""
    return str(ACTION_LABELS.get(code, code))


# ``AuditEvent.object_type``: the lower-cased model class of the object acted on.
OBJECT_LABELS = {
    "apikey": _l("API key"),
    "channelbuffer": _l("Channel buffer"),
    "incomingstock": _l("Incoming delivery"),
    "jobrun": _l("Job run"),
    "jobsetting": _l("Job schedule"),
    "location": _l("Location"),
    "outboxmessage": _l("Message"),
    "restockrule": _l("Restock rule"),
    "ruleset": _l("Sourcing rules"),
    "supplier": _l("Supplier"),
    "supplierfeed": _l("Supplier feed"),
    "user": _l("User"),
}


def object_label(object_type: str) -> str:
    """The wording of an audited object's kind (the stored type when it has none)."""
    return str(OBJECT_LABELS.get(object_type, object_type))
