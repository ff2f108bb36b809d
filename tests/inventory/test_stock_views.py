"""The stock search, the product page and inline stock changes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.inventory import services
from portal.inventory.models import StockLevel, StockMovement
from tests.conftest import csrf_token
from tests.inventory.conftest import make_product


@pytest.fixture
def shelf(stores):
    runner = make_product("SNK-1", ean="4012345000017", name="Runner schwarz", brand="Nordkap")
    jacket = make_product("JKT-1", name="Regenjacke navy", brand="Alpenwerk",
                          category="Jacken")
    services.receive_stock(runner, stores["BER"], 5)
    services.receive_stock(runner, stores["HAM"], 2)
    services.set_safety_stock(runner, stores["HAM"], 3)
    services.receive_stock(jacket, stores["WH"], 40)
    services.ensure_level(jacket.id, stores["BER"].id)
    services.add_incoming(jacket, stores["BER"], 6, date.today() + timedelta(days=1))
    return {"runner": runner, "jacket": jacket}


def rows(page: str) -> int:
    return page.count('<tr id="level-')


def test_search_by_sku_ean_name_and_brand(as_role, shelf):
    client = as_role("manager")

    assert rows(client.get("/stock/?q=snk").get_data(as_text=True)) == 2
    assert rows(client.get("/stock/?q=4012345000017").get_data(as_text=True)) == 2
    assert rows(client.get("/stock/?q=regenjacke").get_data(as_text=True)) == 2
    assert rows(client.get("/stock/?q=alpenwerk").get_data(as_text=True)) == 2
    assert rows(client.get("/stock/?q=nothing-like-it").get_data(as_text=True)) == 0


def test_filters_location_kind_category_and_flags(as_role, shelf):
    client = as_role("manager")

    def count(query):
        return rows(client.get(f"/stock/?{query}").get_data(as_text=True))

    assert count("location=WH") == 1
    assert count("kind=store") == 3
    assert count("category=Jacken") == 2
    assert count("out_of_stock=1") == 2      # HAM runner (2 below 3 safety), BER jacket (0)
    assert count("below_safety=1") == 1
    assert count("incoming=1") == 1


def test_employee_search_starts_at_their_store_but_may_look_everywhere(as_role, shelf):
    client = as_role("employee")

    assert rows(client.get("/stock/").get_data(as_text=True)) == 2  # BER only
    assert rows(client.get("/stock/?location=").get_data(as_text=True)) == 4


def test_sorting_by_available_descending(as_role, shelf):
    page = as_role("manager").get("/stock/?sort=available&dir=desc").get_data(as_text=True)

    assert page.index(">40<") < page.index(">5<")


def test_htmx_search_returns_only_the_results(as_role, shelf):
    response = as_role("manager").get("/stock/?q=snk", headers={"HX-Request": "true"})

    page = response.get_data(as_text=True)
    assert "<html" not in page and rows(page) == 2


def test_bad_query_arguments_do_not_fail(as_role, shelf):
    client = as_role("manager")

    for query in ("page=abc", "page=-3", "sort=drop%20table", "location=%27", "q=" + "x" * 500):
        assert client.get(f"/stock/?{query}").status_code == 200, query
    assert client.get("/stock/?location=%00").status_code == 400


def test_pagination_keeps_filters(as_role, stores):
    for n in range(60):
        services.receive_stock(make_product(f"P-{n:03d}"), stores["WH"], 1)
    client = as_role("manager")
    page = client.get("/stock/?location=WH").get_data(as_text=True)

    assert rows(page) == 50
    assert "page=2" in page and "location=WH" in page
    assert rows(client.get("/stock/?location=WH&page=2").get_data(as_text=True)) == 10


def test_product_page_lists_every_location_nearest_first(as_role, shelf):
    client = as_role("employee")
    page = client.get("/stock/products/SNK-1").get_data(as_text=True)

    assert page.index("Berlin Mitte") < page.index("Hamburg City")
    assert "Recent movements" in page and "Receipt" in page
    assert client.get("/stock/products/NOPE").status_code == 404


def _change(client, level, **data):
    return client.post(f"/stock/levels/{level.id}/change?context=search",
                       data={"csrf_token": csrf_token(client, "/"), **data},
                       headers={"HX-Request": "true"})


def level_of(product, location) -> StockLevel:
    return StockLevel.get(StockLevel.product == product, StockLevel.location == location)


def test_employee_adjusts_their_store_inline_and_other_panels_are_told(as_role, shelf, stores):
    client = as_role("employee")
    level = level_of(shelf["runner"], stores["BER"])

    response = _change(client, level, action="remove", quantity="2", reason="damage",
                       note="box crushed")

    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "stock-changed"
    assert f'id="level-{level.id}"' in response.get_data(as_text=True)
    assert level_of(shelf["runner"], stores["BER"]).on_hand == 3
    movement = StockMovement.select().order_by(StockMovement.id.desc()).get()
    assert (movement.on_hand_delta, movement.reason) == (-2, "damage: box crushed")


def test_employee_cannot_change_another_store(as_role, shelf, stores):
    client = as_role("employee")
    level = level_of(shelf["runner"], stores["HAM"])

    assert _change(client, level, action="receive", quantity="5").status_code == 404
    assert client.get(f"/stock/levels/{level.id}/change").status_code == 404
    assert level_of(shelf["runner"], stores["HAM"]).on_hand == 2


def test_logistics_cannot_change_stock_in_the_portal(as_role, shelf, stores):
    level = level_of(shelf["jacket"], stores["WH"])

    assert _change(as_role("logistics"), level, action="receive", quantity="1").status_code \
        == 404


def test_refused_change_shows_the_reason_and_changes_nothing(as_role, shelf, stores):
    client = as_role("manager")
    level = level_of(shelf["runner"], stores["HAM"])
    before = StockMovement.select().count()

    response = _change(client, level, action="remove", quantity="9", reason="theft")

    assert response.status_code == 400
    assert "stock cannot go below zero" in response.get_data(as_text=True)
    assert StockMovement.select().count() == before


def test_invalid_form_input_is_400(as_role, shelf, stores):
    level = level_of(shelf["runner"], stores["BER"])

    response = _change(as_role("manager"), level, action="count", quantity="-1")

    assert response.status_code == 400
    assert level_of(shelf["runner"], stores["BER"]).on_hand == 5


def test_count_and_safety_stock_without_javascript(as_role, shelf, stores):
    client = as_role("manager")
    level = level_of(shelf["runner"], stores["BER"])

    response = client.post(f"/stock/levels/{level.id}/change?next=/stock/%3Fq%3Dsnk",
                           data={"csrf_token": csrf_token(client, "/"), "action": "count",
                                 "quantity": "8"})
    assert response.status_code == 302 and response.headers["Location"] == "/stock/?q=snk"
    client.post(f"/stock/levels/{level.id}/change",
                data={"csrf_token": csrf_token(client, "/"), "action": "safety",
                      "quantity": "2"})

    changed = level_of(shelf["runner"], stores["BER"])
    assert (changed.on_hand, changed.safety_stock) == (8, 2)


def test_next_must_stay_on_the_site(as_role, shelf, stores):
    client = as_role("manager")
    level = level_of(shelf["runner"], stores["BER"])

    response = client.post(f"/stock/levels/{level.id}/change?next=https://evil.example",
                           data={"csrf_token": csrf_token(client, "/"), "action": "receive",
                                 "quantity": "1"})

    assert response.headers["Location"] == "/stock/products/SNK-1"


def test_employee_sees_only_their_stores_movements_on_the_product_page(as_role, shelf):
    page = as_role("employee").get("/stock/products/SNK-1").get_data(as_text=True)
    movements = page.split('id="product-movements"', 1)[1]

    assert "BER" in movements and "HAM" not in movements


def test_history_restore_gets_the_whole_page(as_role, shelf):
    response = as_role("manager").get("/stock/?q=snk", headers={
        "HX-Request": "true", "HX-History-Restore-Request": "true"})

    assert "<html" in response.get_data(as_text=True)
