"""The insights page's charts as plain data for static/js/insights.js (rendered into
``<script type="application/json">`` blocks): labels translated and dates formatted
here, so the script only draws. The tables beside the charts show the same numbers."""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _

from portal.dashboard.insights import Insights
from portal.inventory.labels import CHANNEL_LABELS


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def insight_charts(f: Insights) -> dict[str, dict]:
    days = [format_date(row.day, "short") for row in f.rows]
    return {
        "orders": {
            "type": "bar", "stacked": True, "labels": days,
            "datasets": [{"label": str(CHANNEL_LABELS.get(c, c)),
                          "data": [row.orders.get(c, 0) for row in f.rows]}
                         for c in f.channels],
        },
        "split": {
            "type": "line", "unit": "%", "labels": days,
            "datasets": [{"label": _("Split orders (%)"),
                          "data": [_percent(row.split_share) for row in f.rows]}],
        },
        "distance": {
            "type": "line", "unit": "km", "labels": days,
            "datasets": [{"label": _("Average distance shipped (km)"),
                          "data": [row.distance_km for row in f.rows]}],
        },
        "stores_out": {
            "type": "bar", "horizontal": True,
            "labels": [store.name for store, _n in f.stores_out],
            "datasets": [{"label": _("Articles out of stock"),
                          "data": [n for _store, n in f.stores_out]}],
        },
        "returns": {
            "type": "bar", "labels": days,
            "datasets": [{"label": _("Units sold"), "data": [row.sold for row in f.rows]},
                         {"label": _("Units returned"),
                          "data": [row.returned for row in f.rows]}],
        },
        "feeds": {
            "type": "bar", "horizontal": True, "unit": "h",
            "labels": [f"{feed.supplier}: {feed.name}" for feed in f.feeds],
            "datasets": [{"label": _("Hours since the last successful import"),
                          "data": [feed.age_hours for feed in f.feeds],
                          "alarm": [feed.stale for feed in f.feeds]}],
        },
    }
