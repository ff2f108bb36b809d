"""Checks before publishing: unreachable rules, empty pools, unknown locations."""

from __future__ import annotations

from portal.sourcing.checks import check_rules
from portal.sourcing.rules import rule_from_dict


def rules(*data):
    return [rule_from_dict({"name": f"R{i}", **d}) for i, d in enumerate(data)]


def test_a_rule_behind_a_wider_one_is_unreachable(ctx, stores):
    problems = check_rules(rules(
        {"pool": {"kinds": ["store", "warehouse"]}, "limits": {"max_fulfilments": 2}},
        {"condition": {"channels": ["web"]}, "pool": {"kinds": ["store"]}},
        {"condition": {"channels": ["web"]}, "pool": {"kinds": ["store"]},
         "limits": {"max_fulfilments": 3}}))

    assert [(p.position, p.blocking) for p in problems] == [(1, False)]
    assert "“R1” is unreachable: “R0” above it" in problems[0].message


def test_a_narrower_rule_first_is_fine(ctx, stores):
    assert check_rules(rules({"condition": {"delivery_methods": ["click_collect"]},
                              "pool": {"kinds": ["store"], "radius_km": 0}},
                             {"pool": {"kinds": ["store", "warehouse"]}})) == []


def test_unknown_locations_block_and_empty_pools_warn(ctx, stores):
    problems = check_rules(rules({"pool": {"locations": ["WH", "NOPE"]}},
                                 {"pool": {"kinds": ["supplier"]},
                                  "limits": {"allow_dropship": True}}))

    assert [(p.position, p.blocking) for p in problems] == [(0, True), (1, False)]
    assert "NOPE" in problems[0].message and "empty pool" in problems[1].message


def test_nothing_switched_on_blocks(ctx, stores):
    problems = check_rules(rules({"enabled": False}))

    assert problems[0].blocking and problems[0].position is None
