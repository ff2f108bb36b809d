"""The sourcing rule option ``fresh_feeds_only``: stock at a location whose feed is stale
is left out (reason ``stale_feed``), fresh or feed-less locations stay in."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from portal.db import utcnow
from portal.feeds.freshness import forget_freshness, stale_location_ids
from portal.inventory import services as stock
from portal.sourcing.checks import check_rules
from portal.sourcing.engine import Engine, OrderFacts
from portal.sourcing.labels import describe_pool, reason_text
from portal.sourcing.rules import rule_from_dict
from tests.feeds.conftest import make_feed
from tests.inventory.conftest import make_product

DROPSHIP = {"pool": {"suppliers_serving_country": True}, "limits": {"allow_dropship": True}}


def _order(product) -> OrderFacts:
    return OrderFacts(channel="web", delivery_method="home", country="DE", postcode="33602",
                      value=Decimal("50"), wanted={product.id: 2})


def _rule(fresh: bool):
    return rule_from_dict({"name": "Drop-ship", **DROPSHIP,
                           "pool": {**DROPSHIP["pool"], "fresh_feeds_only": fresh}})


def _setup(supplier, synced_hours_ago: float | None):
    from portal.suppliers.models import Supplier

    Supplier.update(dropship=True).where(Supplier.id == supplier.id).execute()
    product = make_product("SNK-9")
    stock.receive_stock(product, supplier.location, 10)
    synced = None if synced_hours_ago is None else utcnow() - timedelta(hours=synced_hours_ago)
    feed = make_feed(supplier, last_success_at=synced, stale_after_hours=24)
    forget_freshness()
    return product, feed


def test_a_stale_feed_takes_its_location_out_of_a_fresh_only_rule(supplier, drop_dir):
    product, feed = _setup(supplier, synced_hours_ago=30)
    assert stale_location_ids() == {supplier.location_id}

    strict = Engine(_order(product)).run([_rule(fresh=True)])
    loose = Engine(_order(product)).run([_rule(fresh=False)])

    assert strict.plan is None
    weighed = strict.trace[0]["locations"]
    assert weighed == [{**weighed[0], "kept": False, "reason": "stale_feed"}]
    assert reason_text(weighed[0]["reason"]) == "Its supplier stock feed is out of date."
    assert [a.location_id for a in loose.plan] == [supplier.location_id]


def test_a_fresh_feed_and_an_inactive_one_keep_the_location(supplier, drop_dir):
    product, feed = _setup(supplier, synced_hours_ago=2)
    assert Engine(_order(product)).run([_rule(fresh=True)]).plan

    feed.last_success_at = None
    feed.active = False
    feed.save()
    forget_freshness()
    assert stale_location_ids() == frozenset()
    assert Engine(_order(product)).run([_rule(fresh=True)]).plan


def test_the_option_is_stored_described_and_narrows_the_pool_for_the_checks(ctx):
    strict, loose = _rule(fresh=True), _rule(fresh=False)

    assert strict.as_dict()["pool"]["fresh_feeds_only"] is True
    assert rule_from_dict(strict.as_dict()).pool.fresh_feeds_only is True
    assert rule_from_dict({"name": "Old rule"}).pool.fresh_feeds_only is False
    assert "Not from locations whose stock feed is out of date." in describe_pool(strict)
    # A fresh-only rule first does not make the looser one unreachable; the other way does.
    assert not any("unreachable" in p.message for p in check_rules([strict, loose]))
    assert any("unreachable" in p.message for p in check_rules([loose, strict]))


def test_the_rule_editor_saves_the_option(as_role, users):
    from portal.sourcing.models import SourcingRule
    from portal.sourcing.services import new_draft
    from tests.conftest import csrf_token

    draft = new_draft(users["manager"])
    client = as_role("manager")
    form = client.get(f"/sourcing/{draft.version}/rules/new").get_data(as_text=True)
    assert 'name="pool.fresh_feeds_only"' in form

    response = client.post(f"/sourcing/{draft.version}/rules/new", data={
        "name": "Fresh suppliers", "enabled": "y", "pool.suppliers_serving_country": "y",
        "pool.fresh_feeds_only": "y", "limits.allow_dropship": "y", "ordering-0": "distance",
        "limits.max_fulfilments": "1", "csrf_token": csrf_token(client, "/")})

    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    saved = (SourcingRule.select().where(SourcingRule.ruleset == draft.id)
             .order_by(SourcingRule.position.desc()).first().rule)
    assert saved.name == "Fresh suppliers" and saved.pool.fresh_feeds_only is True
