"""How outbox states are named on screen."""

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "pending": _l("Waiting"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
}
