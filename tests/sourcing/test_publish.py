"""Publishing a version through the pages switches every new order to its rules at once;
an earlier version can be published again (roll back); exactly one is ever published."""

from __future__ import annotations

import pytest

from portal.audit.models import AuditEvent
from portal.inventory import services as stock
from portal.orders.models import Reservation
from portal.orders.services import NewOrder, place_order
from portal.sourcing import services
from portal.sourcing.models import RuleSet
from portal.sourcing.status import RuleSetStatus
from tests.conftest import csrf_token, make_store
from tests.inventory.conftest import make_product

WAREHOUSE_ONLY = {"name": "Everything from the warehouse", "pool": {"kinds": ["warehouse"]},
                  "limits": {"max_fulfilments": 1}}


def statuses() -> dict[int, str]:
    return dict(RuleSet.select(RuleSet.version, RuleSet.status).tuples())


def web_order(sku: str = "SNK-1", quantity: int = 1) -> NewOrder:
    return NewOrder(channel="web", customer_name="Erika Mustermann", ship_name="Erika",
                    ship_street="Unter den Linden 1", ship_postcode="10117", ship_city="Berlin",
                    lines=[{"sku": sku, "quantity": quantity}])


def sources(order) -> set[str]:
    return {r.location.code for r in Reservation.select()
            .where(Reservation.line.in_([line.id for line in order.lines]))}


@pytest.fixture
def shelf(stores, users):
    """A sneaker in the Berlin store (nearest to a Berlin customer) and in the warehouse."""
    for code, postcode in (("BER", "10178"), ("HAM", "20095"), ("WH", "34123")):
        stores[code].postcode = postcode
        stores[code].save()
    make_store("VEN", "Venlo Supplier", 51.37, 6.17, kind="supplier", country="NL")
    shoe = make_product("SNK-1")
    stock.receive_stock(shoe, stores["BER"], 5)
    stock.receive_stock(shoe, stores["WH"], 50)
    return shoe


def warehouse_draft(manager) -> RuleSet:
    draft = services.new_draft(manager, note="Warehouse first")
    services.save_rule(draft, None, WAREHOUSE_ONLY, manager)
    services.reorder_rules(draft, [3, 0, 1, 2], manager)
    return draft


def test_the_confirmation_page_says_what_changes(as_role, shelf, users):
    warehouse_draft(users["manager"])
    client = as_role("manager")

    page = client.get("/sourcing/1/publish").get_data(as_text=True)

    assert "Publish version 1?" in page
    assert "instead of the built-in rules" in page
    assert "Everything from the warehouse" in page
    assert statuses() == {1: "draft"}  # asking is not publishing


def test_publishing_switches_the_next_order_to_the_new_rules(as_role, shelf, users):
    before = place_order(web_order())
    assert sources(before) == {"BER"}  # built-in rules: the nearest place with stock
    warehouse_draft(users["manager"])
    client = as_role("manager")

    response = client.post("/sourcing/1/publish",
                           data={"csrf_token": csrf_token(client, "/sourcing/1/publish")})

    assert response.status_code == 303 and response.headers["Location"] == "/sourcing/"
    assert statuses() == {1: "published"}
    published = RuleSet.get(RuleSet.version == 1)
    assert published.published_by == users["manager"].email and published.published_at
    assert sources(place_order(web_order())) == {"WH"}
    assert sources(before) == {"BER"}  # orders placed before keep their locations
    assert AuditEvent.select().where(AuditEvent.action == "sourcing.published").count() == 1
    page = client.get("/sourcing/").get_data(as_text=True)
    assert "the built-in rules route orders" not in page


def test_rolling_back_publishes_an_earlier_version_again(as_role, shelf, users):
    manager = users["manager"]
    nearest = services.new_draft(manager, note="Nearest first")  # the built-in rules
    services.publish(nearest, manager)
    services.publish(warehouse_draft(manager), manager)
    assert statuses() == {1: "archived", 2: "published"}
    assert sources(place_order(web_order())) == {"WH"}
    client = as_role("manager")
    listing = client.get("/sourcing/").get_data(as_text=True)
    assert listing.count("Publish again (roll back)") == 1
    confirm = client.get("/sourcing/1/publish").get_data(as_text=True)
    assert "Publish version 1 again (roll back)?" in confirm
    assert "instead of version 2" in confirm

    response = client.post("/sourcing/1/publish", data={"csrf_token": csrf_token(
        client, "/sourcing/1/publish")})

    assert response.status_code == 303
    assert statuses() == {1: "published", 2: "archived"}
    assert RuleSet.select().where(RuleSet.status == RuleSetStatus.PUBLISHED).count() == 1
    assert sources(place_order(web_order())) == {"BER"}


def test_publishing_the_published_version_again_is_refused(as_role, shelf, users):
    draft = warehouse_draft(users["manager"])
    services.publish(draft, users["manager"])
    client = as_role("manager")

    response = client.post("/sourcing/1/publish", data={"csrf_token": csrf_token(client, "/")})

    assert response.status_code == 409
    assert "already published" in response.get_data(as_text=True)
    assert statuses() == {1: "published"}


def test_copy_to_new_draft_takes_that_versions_rules(as_role, shelf, users):
    services.publish(warehouse_draft(users["manager"]), users["manager"])
    client = as_role("manager")

    response = client.post("/sourcing/drafts", data={"copy_of": "1", "csrf_token": csrf_token(
        client, "/sourcing/")})

    assert response.headers["Location"] == "/sourcing/2"
    copy = RuleSet.get(RuleSet.version == 2)
    assert copy.status == "draft"
    assert [r.name for r in services.rules_of(copy)][0] == "Everything from the warehouse"
