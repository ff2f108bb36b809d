"""The audit log's *Stock changes* tab: stock people changed by hand (receipts,
adjustments, counts, safety stock), read from the ledger with who and when, filtered,
paginated and linked to the ledger; order movements stay out; managers and admins only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.db import utcnow
from portal.inventory import services as stock
from portal.inventory.models import StockMovement
from portal.inventory.services import ensure_level
from tests.inventory.conftest import make_product

URL = "/admin/audit/stock"


def rows(page: str) -> list[str]:
    """The table rows of the stock changes (the "nothing found" row counts as none)."""
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    return [row for row in re.findall(r"<tr>.*?</tr>", body, re.S) if "colspan" not in row]


@pytest.fixture
def changes(stores, users):
    """A clerk's receipt, count, damage and safety stock at BER; a manager's receipt at
    HAM; then what is not a hand-made change: an order's reservation and sale by the
    clerk and a receipt without a user."""
    shoe, cap = make_product("SNK-1"), make_product("CAP-1", name="Cap red")
    clerk, manager = users["employee"], users["manager"]
    stock.receive_stock(shoe, stores["BER"], 10, user=clerk, reference="DN-4711")
    stock.count_stock(shoe, stores["BER"], 8, user=clerk, note="shelf A")
    stock.adjust_stock(shoe, stores["BER"], -1, "damage", user=clerk)
    stock.set_safety_stock(shoe, stores["BER"], 2, user=clerk)
    stock.receive_stock(cap, stores["HAM"], 5, user=manager)
    stock.reserve_stock(shoe, stores["BER"], 1, "OMS-2026-000001", user=clerk)
    stock.ship_reserved_stock(shoe, stores["BER"], 1, "OMS-2026-000001", user=clerk)
    stock.receive_stock(cap, stores["BER"], 3)
    return {"shoe": shoe, "cap": cap}


def test_stock_changes_by_people_show_who_what_and_when(as_role, changes):
    page = as_role("manager").get(URL).get_data(as_text=True)

    found = rows(page)
    assert len(found) == 5
    newest, oldest = found[0], found[-1]
    assert "manager@test.example" in newest and "CAP-1" in newest and "HAM" in newest
    assert "+5" in newest
    assert "berlin@test.example" in oldest and "Receipt" in oldest and "DN-4711" in oldest
    clerk = [row for row in found if "berlin@test.example" in row]
    assert [kind in " ".join(clerk) for kind in ("Adjustment", "Safety stock")] == [True, True]
    assert any("Stock count: shelf A" in row and "-2" in row for row in clerk)
    assert any("Damaged" in row and "-1" in row for row in clerk)  # the reason's label
    assert not any("OMS-2026-000001" in row for row in found)  # orders' movements stay out
    assert "Reserved" not in page and "Shipped / sold" not in page


def test_the_tabs_link_both_views(as_role, changes):
    client = as_role("admin")

    events = client.get("/admin/audit").get_data(as_text=True)
    changed = client.get(URL).get_data(as_text=True)

    assert f'href="{URL}"' in events and 'href="/admin/audit" aria-current="page"' in events
    assert f'href="{URL}" aria-current="page"' in changed
    assert len(rows(changed)) == 5


@pytest.mark.parametrize("role", ["employee", "logistics"])
def test_other_roles_are_refused(as_role, changes, role):
    assert as_role(role).get(URL).status_code == 403


def test_filters_by_person_kind_article_and_location(as_role, changes):
    client = as_role("manager")

    def shown(query: str) -> list[str]:
        return rows(client.get(f"{URL}?{query}").get_data(as_text=True))

    assert len(shown("user=berlin")) == 4
    assert len(shown("user=manager")) == 1
    assert len(shown("kind=receipt")) == 2
    assert len(shown("kind=adjustment&user=berlin")) == 2
    assert len(shown("sku=CAP-1")) == 1
    assert len(shown("location=BER")) == 4
    assert shown("kind=sale") == []  # not a hand-made change
    fragment = client.get(f"{URL}?user=manager", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and len(rows(text)) == 1
    assert "/stock/ledger/?user=manager" in text  # the same filters in the ledger


def test_each_row_links_to_its_movement_in_the_ledger(as_role, changes):
    client = as_role("manager")
    movement = (StockMovement.select().where(StockMovement.kind == "safety_stock").get())

    page = client.get(f"{URL}?kind=safety_stock").get_data(as_text=True)

    link = re.search(r'href="(/stock/ledger/\?[^"]+)#movement-(\d+)"', page)
    assert link and int(link.group(2)) == movement.id
    target = link.group(1).replace("&amp;", "&")
    assert "sku=SNK-1" in target and "location=BER" in target and "date_from=" in target
    assert f'id="movement-{movement.id}"' in client.get(target).get_data(as_text=True)


def test_pages_of_fifty_keep_the_filters(as_role, stores, users):
    shoe = make_product("SNK-1")
    start = utcnow() - timedelta(hours=2)
    ensure_level(shoe.id, stores["BER"].id)  # a movement is always of a stock level
    StockMovement.insert_many([
        {"at": start + timedelta(minutes=n), "product": shoe.id, "location": stores["BER"].id,
         "kind": "adjustment", "on_hand_delta": 1, "reason": f"correction {n}",
         "user_id": users["employee"].id} for n in range(51)]).execute()
    client = as_role("admin")

    first = client.get(f"{URL}?user=berlin").get_data(as_text=True)
    second = client.get(f"{URL}?user=berlin&page=2").get_data(as_text=True)

    assert len(rows(first)) == 50 and "correction 50" in rows(first)[0]
    assert "51 entries" in first and "user=berlin&amp;page=2" in first
    assert len(rows(second)) == 1 and "correction 0<" in rows(second)[0]
