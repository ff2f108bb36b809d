"""The restock rules editor: who may open it; rules created, edited, switched off, deleted
(asked first) and reordered through the pages, with and without htmx; bad input answered
next to its input with nothing changed; every change audited; "try it" answers what
``restock.decide`` would do and why, writing nothing."""

from __future__ import annotations

import json

import pytest

from portal.audit.models import AuditEvent
from portal.inventory import services as stock
from portal.returns.models import RestockRule, TransferOrder
from portal.returns.rules import RestockRuleInvalid, check_rule, create_rule, describe
from tests.conftest import csrf_token
from tests.inventory.conftest import make_product

HTMX = {"HX-Request": "true"}


def names() -> list[str]:
    return [r.name for r in RestockRule.select().order_by(RestockRule.position)]


def positions() -> list[int]:
    return [r.position for r in RestockRule.select().order_by(RestockRule.position)]


def snapshot() -> list[tuple]:
    return list(RestockRule.select().order_by(RestockRule.id).tuples())


def actions() -> list[str]:
    return [e.action for e in AuditEvent.select().order_by(AuditEvent.id)
            if e.action.startswith("restock_rule.")]


@pytest.fixture
def three(users):
    """The demo's three rules, and products in two categories."""
    make_product("SNK-1", category="Sneaker")
    make_product("JKT-1", category="Jacken")
    return [create_rule({"name": "Damaged → refurbish", "conditions": ["damaged"],
                         "action": "refurbish"}, users["manager"]),
            create_rule({"name": "Needed elsewhere → transfer", "conditions": ["new", "opened"],
                         "action": "transfer"}, users["manager"]),
            create_rule({"name": "Everything else → back to stock", "action": "restock"},
                        users["manager"])]


def form(**fields) -> dict:
    data = {"name": "Damaged jackets", "conditions": ["damaged"], "categories": ["Jacken"],
            "other_categories": "", "action": "scrap", "active": "y"}
    return {**data, **fields}


@pytest.mark.parametrize("role", ["employee", "logistics"])
@pytest.mark.parametrize("path", ["/returns/rules", "/returns/rules/new",
                                  "/returns/rules/try?sku=SNK-1"])
def test_only_managers_and_admins_open_the_editor(as_role, three, role, path):
    assert as_role(role).get(path).status_code == 403


@pytest.mark.parametrize("role", ["employee", "logistics"])
def test_others_cannot_change_rules(as_role, three, role):
    client = as_role(role)
    token = csrf_token(client, "/")
    rule = three[0]
    before = snapshot()
    for path, data in ((f"/returns/rules/{rule.id}/delete", {}),
                       (f"/returns/rules/{rule.id}/move", {"direction": "down"}),
                       (f"/returns/rules/{rule.id}/active", {"active": "0"}),
                       (f"/returns/rules/{rule.id}/edit", form()), ("/returns/rules/new", form()),
                       ("/returns/rules/reorder", {"order": [three[2].id, three[1].id,
                                                            three[0].id]})):
        assert client.post(path, data={**data, "csrf_token": token}).status_code == 403, path
    assert snapshot() == before


def test_unknown_rules_are_404(as_role, three):
    client = as_role("manager")
    token = csrf_token(client, "/returns/rules")
    assert client.get("/returns/rules/999/edit").status_code == 404
    assert client.post("/returns/rules/999/delete", data={"csrf_token": token}).status_code == 404


def test_the_rules_page_lists_the_rules_in_order_as_sentences(as_role, three):
    page = as_role("admin").get("/returns/rules").get_data(as_text=True)

    assert page.index("Damaged → refurbish") < page.index("Needed elsewhere → transfer") < \
        page.index("Everything else → back to stock")
    assert "Damaged items → refurbish" in page
    assert "New or opened items → transfer to the location that needs it" in page
    assert "All items → back to stock" in page


def test_describe_names_categories(ctx):
    rule = RestockRule(name="x", conditions="damaged", categories="Shoes,Caps", action="refurbish")
    assert describe(rule) == "Damaged items in Shoes or Caps → refurbish"
    rule.conditions = ""
    assert describe(rule) == "All items in Shoes or Caps → refurbish"


def test_a_rule_is_added_last_with_known_and_typed_categories(as_role, three):
    client = as_role("manager")
    token = csrf_token(client, "/returns/rules/new")

    response = client.post("/returns/rules/new", data=form(
        csrf_token=token, other_categories=" Mützen ,  jacken ;Neue  Kategorie"))

    assert response.status_code == 303
    rule = RestockRule.get(RestockRule.name == "Damaged jackets")
    # The typed "jacken" takes the known spelling and is not repeated; blanks are trimmed.
    assert (rule.position, rule.conditions, rule.categories, rule.action, rule.active) == (
        4, "damaged", "Jacken,Mützen,Neue Kategorie", "scrap", True)
    assert rule.updated_by == "manager@test.example"
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert (event.action, event.actor, event.object_id) == (
        "restock_rule.created", "manager@test.example", str(rule.id))
    assert json.loads(event.detail)["categories"] == ["Jacken", "Mützen", "Neue Kategorie"]
    assert "Rule “Damaged jackets” saved." in client.get("/returns/rules").get_data(as_text=True)


def test_a_rule_is_edited_in_place(as_role, three):
    client = as_role("manager")
    edit = client.get(f"/returns/rules/{three[1].id}/edit").get_data(as_text=True)
    assert 'value="Needed elsewhere → transfer"' in edit

    client.post(f"/returns/rules/{three[1].id}/edit", data=form(
        csrf_token=csrf_token(client, "/returns/rules"), name="Opened sneakers",
        conditions=["opened"], categories=["Sneaker"], action="transfer", active=""))

    rule = RestockRule.get_by_id(three[1].id)
    assert (rule.name, rule.position, rule.conditions, rule.categories, rule.active) == (
        "Opened sneakers", 2, "opened", "Sneaker", False)
    assert actions()[-1] == "restock_rule.updated"


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"name": "  "}, "name", "Enter a name of 1 to 80 characters."),
    ({"name": "x" * 81}, "name", "Enter a name of 1 to 80 characters."),
    ({"conditions": ["broken"]}, "conditions", "Choose conditions from the list."),
    ({"action": "sell"}, "action", "Choose what happens to the item."),
    ({"action": ""}, "action", "Choose what happens to the item."),
    ({"other_categories": "x" * 81}, "categories", "A category has at most 80 characters."),
])
def test_bad_input_is_answered_next_to_the_input_and_changes_nothing(as_role, three, fields,
                                                                     field, message):
    client = as_role("manager")
    token = csrf_token(client, "/returns/rules")
    before, audited = snapshot(), actions()

    for path in ("/returns/rules/new", f"/returns/rules/{three[0].id}/edit"):
        response = client.post(path, data=form(csrf_token=token, **fields))
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert f'id="{field}-error">{message}' in page
        assert "The rule was not saved" in page

    assert snapshot() == before and actions() == audited


def test_too_many_categories_are_refused_and_conditions_keep_their_order(ctx):
    with pytest.raises(RestockRuleInvalid) as refused:
        check_rule({"name": "x", "action": "scrap",
                    "categories": [f"Category {n:03d}" for n in range(60)]})
    assert refused.value.fields == {
        "categories": "Too many categories for one rule: split it into two rules."}
    checked = check_rule({"name": " Any  condition ", "action": "scrap",
                          "conditions": ["damaged", "new", "opened", "new"]})
    assert (checked.name, checked.conditions) == ("Any condition", ("new", "opened", "damaged"))


def test_a_rule_is_deleted_after_asking_and_the_rest_close_up(as_role, three):
    client = as_role("manager")
    ask = client.get(f"/returns/rules/{three[0].id}/delete")
    assert ask.status_code == 200 and "Delete the rule “Damaged → refurbish”?" in \
        ask.get_data(as_text=True)
    assert RestockRule.select().count() == 3  # asking deletes nothing

    done = client.post(f"/returns/rules/{three[0].id}/delete",
                       data={"csrf_token": csrf_token(client, "/returns/rules")})

    assert done.status_code == 303
    assert names() == ["Needed elsewhere → transfer", "Everything else → back to stock"]
    assert positions() == [1, 2]
    assert actions()[-1] == "restock_rule.deleted"


def test_delete_with_htmx_answers_the_panel(as_role, three):
    client = as_role("manager")
    response = client.post(f"/returns/rules/{three[1].id}/delete", headers={
        **HTMX, "X-CSRFToken": csrf_token(client, "/returns/rules")})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.startswith('<div id="restock-rules-panel">')
    assert "Rule “Needed elsewhere → transfer” deleted." in page
    assert positions() == [1, 2]


def test_move_buttons_reorder_without_javascript(as_role, three):
    client = as_role("manager")
    token = csrf_token(client, "/returns/rules")

    response = client.post(f"/returns/rules/{three[2].id}/move",
                           data={"csrf_token": token, "direction": "up"})

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/returns/rules#restock-rule-{three[2].id}")
    assert names() == ["Damaged → refurbish", "Everything else → back to stock",
                       "Needed elsewhere → transfer"]
    assert positions() == [1, 2, 3]
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert event.action == "restock_rule.moved" and json.loads(event.detail)["position"] == 2


def test_moving_with_htmx_keeps_the_focus_and_past_the_end_is_refused(as_role, three):
    client = as_role("manager")
    headers = {**HTMX, "X-CSRFToken": csrf_token(client, "/returns/rules")}

    moved = client.post(f"/returns/rules/{three[1].id}/move", headers=headers,
                        data={"direction": "up"}).get_data(as_text=True)
    # Now first: its "up" button is disabled, so the focus goes to its "down" button.
    assert 'class="small move-down" aria-label="Move “Needed elsewhere → transfer” down" ' \
           'title="Move “Needed elsewhere → transfer” down" autofocus' in moved
    before = snapshot()
    refused = client.post(f"/returns/rules/{three[1].id}/move", headers=headers,
                          data={"direction": "up"}).get_data(as_text=True)
    assert "The rule cannot move further." in refused
    assert snapshot() == before


def test_drag_and_drop_posts_the_new_order(as_role, three):
    client = as_role("manager")
    headers = {**HTMX, "X-CSRFToken": csrf_token(client, "/returns/rules")}
    order = [three[2].id, three[0].id, three[1].id]

    response = client.post("/returns/rules/reorder", headers=headers, data={"order": order})

    assert response.status_code == 200
    assert names() == ["Everything else → back to stock", "Damaged → refurbish",
                       "Needed elsewhere → transfer"]
    assert actions()[-1] == "restock_rule.reordered"
    before, audited = snapshot(), actions()
    for bad in ([three[0].id, three[1].id], [three[0].id] * 3, ["x"]):
        page = client.post("/returns/rules/reorder", headers=headers,
                           data={"order": bad}).get_data(as_text=True)
        assert "The rules changed meanwhile" in page
    assert snapshot() == before and actions() == audited


def test_switching_a_rule_off_and_on(as_role, three):
    client = as_role("manager")
    token = csrf_token(client, "/returns/rules")

    client.post(f"/returns/rules/{three[0].id}/active", data={"csrf_token": token,
                                                              "active": "0"})
    assert RestockRule.get_by_id(three[0].id).active is False
    page = client.get("/returns/rules").get_data(as_text=True)
    assert "Rule “Damaged → refurbish” is switched off." in page and "switched off</span>" in page
    client.post(f"/returns/rules/{three[0].id}/active", data={"csrf_token": token,
                                                              "active": "1"})
    assert RestockRule.get_by_id(three[0].id).active is True
    assert actions()[-2:] == ["restock_rule.deactivated", "restock_rule.activated"]


def test_changes_need_the_csrf_token(as_role, three):
    client = as_role("manager")
    before = snapshot()
    assert client.post(f"/returns/rules/{three[0].id}/delete").status_code == 400
    assert client.post(f"/returns/rules/{three[0].id}/move",
                       data={"direction": "down"}).status_code == 400
    assert client.post("/returns/rules/new", data=form()).status_code == 400
    assert snapshot() == before


def test_try_it_explains_the_deciding_rule_and_the_location_in_need(as_role, three, stores):
    sneaker = make_product("SNK-9", category="Sneaker")
    stock.receive_stock(sneaker, stores["HAM"], 2)  # HAM sold its two and has none left
    stock.reserve_stock(sneaker, stores["HAM"], 2, "OMS-SOLD")
    stock.ship_reserved_stock(sneaker, stores["HAM"], 2, "OMS-SOLD")
    client = as_role("manager")
    movements = stock.StockMovement.select().count()

    page = client.get("/returns/rules/try?sku=snk-9&condition=opened&location=BER",
                      headers=HTMX).get_data(as_text=True)

    assert "SNK-9 returned Opened, complete at BER:" in page
    assert "To the location that needs it → HAM · Hamburg City" in page
    assert "Rule 1 “Damaged → refurbish”: not for this condition" in page
    assert "Rule 2 “Needed elsewhere → transfer” decides" in page
    assert "HAM · Hamburg City needs it most: 0 available, 2 sold recently." in page
    assert stock.StockMovement.select().count() == movements
    assert TransferOrder.select().count() == 0

    damaged = client.get("/returns/rules/try?sku=SNK-9&condition=damaged&location=HAM")
    text = damaged.get_data(as_text=True)
    assert damaged.status_code == 200 and "<h1>Restock rules</h1>" in text  # the whole page
    assert "SNK-9 returned Damaged at HAM:" in text and "Refurbish" in text
    assert "Rule 1 “Damaged → refurbish” decides" in text


def test_try_it_without_a_transfer_need_or_rules(as_role, three, stores):
    client = as_role("admin")
    page = client.get("/returns/rules/try?sku=SNK-1&condition=new&location=BER",
                      headers=HTMX).get_data(as_text=True)
    assert "Back to stock here" in page
    assert "No other store or warehouse is out of it with recent sales" in page

    RestockRule.update(active=False).execute()
    page = client.get("/returns/rules/try?sku=SNK-1&condition=damaged&location=BER",
                      headers=HTMX).get_data(as_text=True)
    assert "Rule 3 “Everything else → back to stock”: switched off" in page
    assert "No rule matches" in page and "Refurbish" in page

    unknown = client.get("/returns/rules/try?sku=NOPE&condition=new&location=BER",
                         headers=HTMX).get_data(as_text=True)
    assert "No article with the SKU NOPE." in unknown
