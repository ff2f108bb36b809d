"""The managers' rule editor: who may open it, and rules created, changed, deleted and
reordered through the pages (with and without htmx), bad input refused with nothing
changed, published versions locked."""

from __future__ import annotations

import json

import pytest

from portal.sourcing import services
from portal.sourcing.models import RuleSet, SourcingRule
from portal.sourcing.status import RuleSetStatus
from tests.conftest import csrf_token, make_store
from tests.inventory.conftest import make_product

HTMX = {"HX-Request": "true"}


def rule_names(ruleset: RuleSet) -> list[str]:
    return [rule.name for rule in services.rules_of(ruleset)]


def stored(ruleset: RuleSet) -> list[str]:
    """The rules exactly as stored, to prove that nothing changed."""
    return [row.data for row in ruleset.rules.order_by(SourcingRule.position)]


def rule_form(**fields) -> dict:
    data = {"name": "Warehouse for big orders", "enabled": "y",
            "condition.channels": ["web", "marketplace"], "condition.countries": "de, at",
            "condition.categories": ["Sneaker"], "condition.min_value": "99,50",
            "pool.kinds": ["warehouse"], "pool.radius_km": "", "ordering-0": "stock",
            "ordering-1": "distance", "ordering-2": "", "limits.max_fulfilments": "2",
            "limits.allow_partial": "y"}
    return {**data, **fields}


@pytest.fixture
def draft(users):
    make_product("SNK-1", category="Sneaker")
    # a supplier warehouse, so the built-in drop-ship rule's pool is not empty
    make_store("VEN", "Venlo Supplier", 51.37, 6.17, kind="supplier", country="NL")
    return services.new_draft(users["manager"])  # a copy of the three built-in rules


@pytest.mark.parametrize("role", ["employee", "logistics"])
@pytest.mark.parametrize("path", ["/sourcing/", "/sourcing/defaults", "/sourcing/1",
                                  "/sourcing/1/rules/new", "/sourcing/1/simulate",
                                  "/sourcing/1/publish"])
def test_only_managers_and_admins_open_the_editor(as_role, draft, role, path):
    assert as_role(role).get(path).status_code == 403


@pytest.mark.parametrize("role", ["employee", "logistics"])
def test_others_cannot_make_drafts_or_change_rules(as_role, draft, role):
    client = as_role(role)
    token = csrf_token(client, "/")
    before = stored(draft)

    assert client.post("/sourcing/drafts", data={"csrf_token": token}).status_code == 403
    assert client.post("/sourcing/1/rules/0/delete", data={"csrf_token": token}).status_code == 403
    assert client.post("/sourcing/1/publish", data={"csrf_token": token}).status_code == 403
    assert RuleSet.select().count() == 1 and stored(draft) == before
    assert RuleSet.get().status == RuleSetStatus.DRAFT


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_the_versions_list_shows_the_built_in_rules_until_one_is_published(as_role, role):
    client = as_role(role)
    page = client.get("/sourcing/").get_data(as_text=True)

    assert "the built-in rules route orders" in page
    assert "New draft" in page
    defaults = client.get("/sourcing/defaults").get_data(as_text=True)
    assert "Nearest with the fewest parcels" in defaults
    assert "Move “" not in defaults  # the built-in rules cannot be edited


def test_new_draft_copies_the_rules_in_use(as_role, users):
    client = as_role("manager")

    response = client.post("/sourcing/drafts", data={"note": "Winter sale",
                                                     "csrf_token": csrf_token(client, "/")})

    assert response.status_code == 303 and response.headers["Location"] == "/sourcing/1"
    draft = RuleSet.get()
    assert (draft.status, draft.note, draft.created_by) == ("draft", "Winter sale",
                                                            users["manager"].email)
    assert rule_names(draft) == [r["name"] for r in services.DEFAULT_RULES]
    page = client.get("/sourcing/").get_data(as_text=True)
    assert "Version 1" in page and "Winter sale" in page and "Draft" in page


def test_the_draft_page_summarises_each_rule_in_sentences(as_role, draft):
    page = as_role("manager").get("/sourcing/1").get_data(as_text=True)

    assert "Delivery by Click &amp; Collect." in page
    assert "Only the pickup store or the store of the sale itself." in page
    assert "Up to 3 locations per order." in page
    assert "Best first by: Shortest distance, then Location priority." in page
    assert 'data-sortable="#reorder-form"' in page
    assert page.count('name="order"') == 3  # the drag-and-drop form's inputs


def test_a_rule_is_added_with_every_part_of_the_form(as_role, draft):
    client = as_role("manager")
    form_page = client.get("/sourcing/1/rules/new").get_data(as_text=True)
    assert 'name="condition.countries"' in form_page and '<option value="Sneaker">' in form_page

    response = client.post("/sourcing/1/rules/new",
                           data={**rule_form(), "csrf_token": csrf_token(client, "/sourcing/1")})

    assert response.status_code == 303
    assert response.headers["Location"] == "/sourcing/1#rule-3"
    rule = services.rules_of(draft)[3]
    assert rule.name == "Warehouse for big orders" and rule.enabled
    assert rule.condition.channels == ["web", "marketplace"]
    assert rule.condition.countries == ["DE", "AT"]
    assert rule.condition.categories == ["Sneaker"]
    assert str(rule.condition.min_value) == "99.50"  # a German decimal comma is understood
    assert rule.pool.kinds == ["warehouse"] and rule.pool.radius_km is None
    assert rule.ordering == ["stock", "distance"]
    assert (rule.limits.max_fulfilments, rule.limits.allow_partial,
            rule.limits.allow_dropship) == (2, True, False)


def test_a_rule_is_edited_in_place(as_role, draft):
    client = as_role("manager")
    form_page = client.get("/sourcing/1/rules/1").get_data(as_text=True)
    assert 'value="Nearest with the fewest parcels"' in form_page
    assert 'checked id="pool.kinds-1"' in form_page  # warehouses

    response = client.post("/sourcing/1/rules/1", data={
        **rule_form(name="Nearest, two parcels at most", **{"limits.max_fulfilments": "2"}),
        "enabled": "", "csrf_token": csrf_token(client, "/sourcing/1")})

    assert response.status_code == 303
    assert rule_names(draft)[1] == "Nearest, two parcels at most"
    assert not services.rules_of(draft)[1].enabled
    assert len(services.rules_of(draft)) == 3


def test_bad_input_is_answered_400_next_to_the_inputs_and_saves_nothing(as_role, draft):
    client = as_role("manager")
    before = stored(draft)

    response = client.post("/sourcing/1/rules/1", data={
        **rule_form(name="", **{"condition.countries": "Germany", "pool.radius_km": "-3",
                                "condition.min_value": "500", "condition.max_value": "10"}),
        "csrf_token": csrf_token(client, "/sourcing/1")})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="name-error">Give the rule a name.' in page
    assert 'id="condition.countries-error">Unknown: GERMANY' in page
    assert 'id="pool.radius_km-error">A whole number from 0 to 20000.' in page
    assert 'id="condition.max_value-error">Must not be below the minimum.' in page
    assert 'value="Germany"' in page  # what was typed stays in the form
    assert stored(draft) == before


def test_a_rule_is_deleted(as_role, draft):
    client = as_role("manager")

    response = client.post("/sourcing/1/rules/0/delete",
                           data={"csrf_token": csrf_token(client, "/sourcing/1")})

    assert response.status_code == 303
    assert rule_names(draft) == ["Nearest with the fewest parcels", "Supplier drop-ship"]


def test_move_buttons_reorder_without_javascript(as_role, draft):
    client = as_role("manager")
    token = csrf_token(client, "/sourcing/1")

    response = client.post("/sourcing/1/rules/0/move", data={"direction": "down",
                                                             "csrf_token": token})

    assert response.status_code == 303 and response.headers["Location"] == "/sourcing/1#rule-1"
    assert rule_names(draft) == ["Nearest with the fewest parcels",
                                 "Click & Collect from the pickup store", "Supplier drop-ship"]
    client.post("/sourcing/1/rules/1/move", data={"direction": "up", "csrf_token": token})
    assert rule_names(draft)[0] == "Click & Collect from the pickup store"


def test_moving_with_htmx_answers_the_panel_and_keeps_the_focus_on_the_rule(as_role, draft):
    client = as_role("manager")

    response = client.post("/sourcing/1/rules/1/move", headers=HTMX, data={
        "direction": "up", "csrf_token": csrf_token(client, "/sourcing/1")})

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.startswith('<div id="rules-panel">')
    assert "<html" not in page
    assert rule_names(draft)[0] == "Nearest with the fewest parcels"
    # it reached the top, so "up" is disabled: the focus goes to its "down" button
    first = page.split('id="rule-0"', 1)[1].split('id="rule-1"', 1)[0]
    assert "move-down" in first.split("autofocus", 1)[0] and first.count("autofocus") == 1


def test_moving_past_the_end_is_refused(as_role, draft):
    client = as_role("manager")
    before = stored(draft)

    response = client.post("/sourcing/1/rules/0/move", data={
        "direction": "up", "csrf_token": csrf_token(client, "/sourcing/1")})

    assert response.status_code == 400 and stored(draft) == before


def test_drag_and_drop_posts_the_new_order(as_role, draft):
    client = as_role("manager")

    response = client.post("/sourcing/1/reorder", headers=HTMX, data={
        "order": ["2", "0", "1"], "csrf_token": csrf_token(client, "/sourcing/1")})

    assert response.status_code == 200
    assert rule_names(draft) == ["Supplier drop-ship", "Click & Collect from the pickup store",
                                 "Nearest with the fewest parcels"]
    # the drop-ship rule now comes first: the one below it with a narrower pool is flagged
    assert "Checks" in response.get_data(as_text=True)


@pytest.mark.parametrize("order", [["0", "1"], ["0", "0", "1"], ["0", "1", "x"], []])
def test_a_bad_new_order_changes_nothing(as_role, draft, order):
    client = as_role("manager")
    before = stored(draft)

    response = client.post("/sourcing/1/reorder", data={
        "order": order, "csrf_token": csrf_token(client, "/sourcing/1")})

    assert response.status_code == 400 and stored(draft) == before


def test_checks_name_the_rule_and_block_publishing(as_role, draft):
    client = as_role("manager")
    token = csrf_token(client, "/sourcing/1")
    client.post("/sourcing/1/rules/new", data={**rule_form(
        name="Stores again", **{"condition.channels": [], "condition.countries": "",
                                "condition.categories": [], "condition.min_value": "",
                                "pool.kinds": ["store"], "limits.max_fulfilments": "1",
                                "limits.allow_partial": ""}), "csrf_token": token})
    client.post("/sourcing/1/rules/new", data={**rule_form(
        name="Berlin lab", **{"pool.kinds": [], "pool.locations": "LAB"}), "csrf_token": token})

    page = client.get("/sourcing/1").get_data(as_text=True)

    assert "Rule 4</a>:" in page and "“Stores again” is unreachable" in page
    assert "Rule 5</a>:" in page and "“Berlin lab” names locations that do not exist" in page
    assert 'disabled aria-describedby="publish-blocked"' in page
    assert client.post("/sourcing/1/publish", data={"csrf_token": token}).status_code == 400
    assert RuleSet.get().status == RuleSetStatus.DRAFT


def test_a_published_version_cannot_be_edited(as_role, draft, users):
    services.publish(draft, users["manager"])
    client = as_role("manager")
    token = csrf_token(client, "/sourcing/1")
    before = stored(draft)

    response = client.post("/sourcing/1/rules/0", data={**rule_form(), "csrf_token": token})

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Only a draft can be changed; start a new draft." in page
    assert 'name="copy_of" value="1"' in page and "Copy to new draft" in page
    assert client.get("/sourcing/1/rules/new").status_code == 409
    for path, data in (("/sourcing/1/rules/0/delete", {}),
                       ("/sourcing/1/rules/0/move", {"direction": "down"}),
                       ("/sourcing/1/reorder", {"order": ["1", "0", "2"]})):
        assert client.post(path, data={**data, "csrf_token": token}).status_code == 409
    htmx = client.post("/sourcing/1/reorder", headers=HTMX,
                       data={"order": ["1", "0", "2"], "csrf_token": token})
    assert htmx.status_code == 409 and htmx.headers["HX-Retarget"] == "#main"
    assert stored(draft) == before
    detail = client.get("/sourcing/1").get_data(as_text=True)
    assert "Move “" not in detail and "Copy to new draft" in detail


def test_unknown_versions_and_rules_are_404(as_role, draft):
    client = as_role("manager")

    assert client.get("/sourcing/99").status_code == 404
    assert client.get("/sourcing/1/rules/7").status_code == 404
    assert json.loads(stored(draft)[0])["name"] == "Click & Collect from the pickup store"


def test_the_editor_sets_the_days_of_incoming_stock_a_rule_may_promise(as_role, draft):
    client = as_role("manager")
    token = csrf_token(client, "/sourcing/1")

    bad = client.post("/sourcing/1/rules/1", data={
        **rule_form(**{"limits.incoming_days": "soon"}), "csrf_token": token})
    good = client.post("/sourcing/1/rules/1", data={
        **rule_form(**{"limits.incoming_days": "7"}), "csrf_token": token})

    assert bad.status_code == 400 and "A whole number from 0 to 90." in bad.get_data(
        as_text=True)
    assert good.status_code == 303
    assert services.rules_of(draft)[1].limits.incoming_days == 7
    page = client.get("/sourcing/1").get_data(as_text=True)
    assert "Deliveries expected within 7 days may be promised." in page
