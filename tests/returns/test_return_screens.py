"""The staff's return screens: the list and its scoping, one return with its lines, label
and timeline, receiving through the form (received, refunded, stock moved), a refused
refund with its retry, cancelling, CSRF, and the German page."""

from __future__ import annotations

from decimal import Decimal

from portal.inventory.ledger import check_levels
from portal.inventory.models import StockMovement
from portal.payments.models import Refund
from portal.returns.models import ReturnLine, ReturnOrder
from tests.fulfilment.conftest import level
from tests.returns.screens import at_counter, by_post, post, refuse_refunds, signed_in


def test_each_role_lists_only_the_returns_it_may_see(app, shelf, stores, users, returns_wh):
    _order, sent = by_post(users)
    _order, at_ber = at_counter(users, stores["BER"], users["employee"])
    _order, at_ham = at_counter(users, stores["HAM"], users["employee_ham"])
    numbers = {rma.number for rma in (sent, at_ber, at_ham)}

    def listed(role):
        page = signed_in(app, users[role]).get("/returns/").get_data(as_text=True)
        return {number for number in numbers if number in page}

    assert listed("employee") == {at_ber.number}
    assert listed("employee_ham") == {at_ham.number}
    assert listed("logistics") == {sent.number}
    assert listed("manager") == listed("admin") == numbers

    berlin = signed_in(app, users["employee"])
    assert berlin.get(f"/returns/{at_ham.number}").status_code == 404
    assert berlin.get(f"/returns/{sent.number}").status_code == 404
    assert berlin.get(f"/returns/{at_ber.number}").status_code == 200
    assert signed_in(app, users["logistics"]).get(f"/returns/{at_ber.number}").status_code == 404


def test_the_list_filters_by_status_location_and_text(app, shelf, stores, users, returns_wh):
    order, sent = by_post(users)
    _order, at_ber = at_counter(users, stores["BER"], users["employee"])
    manager = signed_in(app, users["manager"])

    def rows(query):
        page = manager.get(f"/returns/?{query}").get_data(as_text=True)
        return {rma.number for rma in (sent, at_ber) if rma.number in page}

    assert rows("status=received") == {at_ber.number}
    assert rows("status=requested") == {sent.number}
    assert rows("location=wh") == {sent.number}
    assert rows(f"q={order.number}") == {sent.number}
    assert rows(f"q={at_ber.number}") == {at_ber.number}
    assert rows("q=erika") == {sent.number, at_ber.number}  # the customer's e-mail
    fragment = manager.get("/returns/?status=received", headers={"HX-Request": "true"})
    assert "<h1>" not in fragment.get_data(as_text=True)  # htmx gets the rows only


def test_the_tab_bar_names_the_screens_a_role_may_open(app, shelf, stores, users):
    page = signed_in(app, users["employee"]).get("/returns/").get_data(as_text=True)
    tabs = page.split('class="subnav"', 1)[1].split("</nav>", 1)[0]
    assert ">Returns</a>" in tabs and ">Take back (counter)</a>" in tabs
    assert "Restock rules" not in tabs
    logistics = signed_in(app, users["logistics"]).get("/returns/").get_data(as_text=True)
    assert "Take back (counter)" not in logistics


def test_the_detail_shows_lines_label_and_timeline(app, shelf, stores, users, returns_wh):
    order, rma = by_post(users)
    client = signed_in(app, users["logistics"])

    page = client.get(f"/returns/{rma.number}").get_data(as_text=True)

    assert rma.number in page and order.number in page and "CAP-1" in page
    assert "too small" in page and "Registered" in page
    assert f"/returns/{rma.number}/label.pdf?format=4x6" in page
    assert 'name="condition-' in page and "Receive and refund" in page
    for fmt in ("4x6", "a4"):
        label = client.get(f"/returns/{rma.number}/label.pdf?format={fmt}")
        assert label.mimetype == "application/pdf" and label.data.startswith(b"%PDF")
    assert client.get(f"/returns/{rma.number.lower()}x").status_code == 404


def test_receiving_books_the_stock_and_refunds(app, shelf, stores, users, returns_wh):
    order, rma = by_post(users)
    line = ReturnLine.get(ReturnLine.return_order == rma.id)
    client = signed_in(app, users["logistics"])

    response = post(client, f"/returns/{rma.number}/receive",
                    {f"condition-{line.id}": "new", f"note-{line.id}": "box dented"})

    assert response.status_code == 302
    rma = ReturnOrder.get_by_id(rma.id)
    assert rma.status == "received" and rma.location.code == "WH"
    assert Decimal(rma.refund_total) == Decimal(order.lines[0].unit_price)
    assert level(shelf["cap"], returns_wh) == (4, 0)  # 5 - 2 shipped + 1 back
    line = ReturnLine.get_by_id(line.id)
    assert (line.condition, line.disposition, line.note) == ("new", "restock", "box dented")
    assert Refund.get().status == "succeeded"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is received" in page and "Hand" in page and "back to the customer in cash" in page
    assert "Back to stock here" in page and "Receive and refund" not in page
    assert check_levels() == []


def test_a_missing_condition_shows_the_form_again_and_changes_nothing(app, shelf, stores,
                                                                     users, returns_wh):
    _order, rma = by_post(users)
    line = ReturnLine.get(ReturnLine.return_order == rma.id)
    client = signed_in(app, users["manager"])

    response = post(client, f"/returns/{rma.number}/receive", {f"condition-{line.id}": ""})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="condition-{line.id}-error"' in page and 'aria-invalid="true"' in page
    assert ReturnOrder.get_by_id(rma.id).status == "requested"
    assert StockMovement.select().where(StockMovement.kind == "return").count() == 0


def test_only_staff_where_the_return_is_may_receive_it(app, shelf, stores, users, returns_wh):
    _order, rma = by_post(users)
    line = ReturnLine.get(ReturnLine.return_order == rma.id)
    berlin = signed_in(app, users["employee"])
    assert post(berlin, f"/returns/{rma.number}/receive",
                {f"condition-{line.id}": "new"}).status_code == 404
    assert ReturnOrder.get_by_id(rma.id).status == "requested"


def test_a_refused_refund_is_shown_with_a_retry(app, shelf, stores, users, returns_wh,
                                               monkeypatch):
    order, rma = by_post(users)
    line = ReturnLine.get(ReturnLine.return_order == rma.id)
    client = signed_in(app, users["logistics"])
    refuse_refunds(monkeypatch)

    response = post(client, f"/returns/{rma.number}/receive", {f"condition-{line.id}": "opened"})

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ReturnOrder.get_by_id(rma.id).status == "received"  # booked, not refunded
    assert "The refund failed: The provider is down." in page and "Retry refund" in page
    assert "Refund failed" in page  # the timeline
    again = post(client, f"/returns/{rma.number}/refund", {"next": f"/returns/{rma.number}"})
    assert Refund.select().count() == 2  # asked again, refused again
    monkeypatch.undo()

    again = post(client, f"/returns/{rma.number}/refund", {"next": "https://evil.example/"})

    assert again.headers["Location"].endswith(f"/returns/{rma.number}")
    assert [r.status for r in Refund.select().order_by(Refund.id)] == ["failed", "failed",
                                                                      "succeeded"]
    assert Decimal(ReturnOrder.get_by_id(rma.id).refund_total) == Decimal(
        order.lines[0].unit_price)
    page = client.get(f"/returns/{rma.number}").get_data(as_text=True)
    assert "Retry refund" not in page
    post(client, f"/returns/{rma.number}/refund")  # a late double click refunds nothing
    assert Refund.select().count() == 3


def test_a_registered_return_can_be_cancelled_once(app, shelf, stores, users, returns_wh):
    _order, rma = by_post(users)
    client = signed_in(app, users["manager"])

    post(client, f"/returns/{rma.number}/cancel", {"note": "customer kept it"})
    page = client.get(f"/returns/{rma.number}").get_data(as_text=True)

    assert ReturnOrder.get_by_id(rma.id).status == "cancelled"
    assert "customer kept it" in page and "Cancel return" not in page
    response = post(client, f"/returns/{rma.number}/cancel")
    assert "Only a registered return" in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_posts_without_a_csrf_token_are_refused(app, shelf, stores, users, returns_wh):
    _order, rma = by_post(users)
    line = ReturnLine.get(ReturnLine.return_order == rma.id)
    client = signed_in(app, users["manager"])

    for url, data in ((f"/returns/{rma.number}/receive", {f"condition-{line.id}": "new"}),
                      (f"/returns/{rma.number}/cancel", {}),
                      (f"/returns/{rma.number}/refund", {})):
        assert client.post(url, data=data).status_code == 400
    assert ReturnOrder.get_by_id(rma.id).status == "requested"


def test_the_order_page_lists_its_returns_and_offers_a_take_back(app, shelf, stores, users,
                                                                 returns_wh):
    order, rma = by_post(users)  # 1 of 2 on its way back
    page = signed_in(app, users["employee"]).get(f"/orders/{order.number}")
    assert page.status_code == 404  # a web order from WH is none of Berlin's business
    page = signed_in(app, users["manager"]).get(f"/orders/{order.number}").get_data(
        as_text=True)
    section = page.split('id="returns"', 1)[1]
    assert rma.number in section and f"/returns/counter?order={order.number}" in section
    logistics = signed_in(app, users["logistics"]).get(f"/orders/{order.number}")
    assert rma.number in logistics.get_data(as_text=True)
    assert "/returns/counter?order=" not in logistics.get_data(as_text=True)


def test_the_pages_speak_german(app, shelf, stores, users, returns_wh):
    _order, rma = by_post(users)
    users["manager"].language = "de"
    users["manager"].save()
    client = signed_in(app, users["manager"])

    for url in ("/returns/", f"/returns/{rma.number}", "/returns/counter"):
        response = client.get(url)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert '<html lang="de">' in page and ">Bestellungen</a>" in page
