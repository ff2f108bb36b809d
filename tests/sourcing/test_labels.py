"""Reason codes and rules in words, and the trace include that shows them."""

from __future__ import annotations

import pytest
from flask import render_template_string

from portal.sourcing.labels import describe_condition, describe_limits, describe_pool, reason_text
from portal.sourcing.rules import rule_from_dict


@pytest.mark.parametrize("reason,text", [
    ({"code": "disabled"}, "The rule is switched off."),
    ({"code": "condition", "part": "channel", "expected": "web, marketplace"},
     "Does not match: Sales channel must be Web shop, Marketplace."),
    ({"code": "condition", "part": "value", "expected": "≥ 100.00"},
     "Does not match: Order value must be ≥ 100.00."),
    ({"code": "cannot_cover", "max": 1}, "No single location has the whole order."),
    ({"code": "cannot_cover", "max": 3}, "No 3 locations together have the whole order."),
    ("too_far", "Farther away than the rule's radius."),
    ({"code": "something_new"}, "something_new"),
    (None, ""),
])
def test_reason_codes_read_as_sentences(ctx, reason, text):
    assert reason_text(reason) == text


def test_a_rule_reads_as_sentences(ctx):
    rule = rule_from_dict({
        "name": "Austria", "condition": {"countries": "AT", "delivery_methods": ["home"],
                                         "min_value": "20", "max_value": "500"},
        "pool": {"kinds": ["warehouse"], "locations": "BER", "radius_km": 300},
        "limits": {"max_fulfilments": 2, "allow_dropship": True}})

    assert describe_condition(rule) == ["Delivery by Home delivery.", "Going to AT.",
                                        "Worth €20.00 to €500.00."]
    assert describe_pool(rule) == ["Locations of kind: Warehouse.", "These locations: BER.",
                                   "Only within 300 km of the destination."]
    assert describe_limits(rule) == ["Up to 2 locations per order.",
                                     "Each line comes whole from one location.",
                                     "Suppliers may ship straight to the customer."]


def test_the_trace_include_renders_a_stored_trace_without_context(ctx):
    entries = [
        {"rule": "Click & Collect", "outcome": "skipped",
         "reason": {"code": "condition", "part": "delivery_method", "expected": "click_collect"}},
        {"rule": "Nearest", "outcome": "chosen", "locations": [
            {"code": "BER", "kind": "store", "km": 0.0, "units": 2, "kept": True, "reason": None},
            {"code": "WH", "kind": "warehouse", "km": 298.1, "units": 0, "kept": False,
             "reason": "no_stock"}],
         "score": {"fulfilments": 1, "locations": ["BER"], "distance_km": 0.0}},
    ]

    html = render_template_string(
        '{% from "sourcing/_trace.html" import trace %}{{ trace(entries) }}', entries=entries)

    assert "Does not match: Delivery must be Click &amp; Collect." in html
    assert "1 location:" in html and "on average 0.0 km away" in html
    assert "Warehouse" in html and "298.1 km" in html
    assert "dropped</span> No stock of the ordered articles." in html
