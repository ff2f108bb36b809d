"""Transfer screens: the list scoped to the user's store, filters, one transfer with its
lines, addresses and timeline; *Shipped* by the source, *Received* by the target, *Cancel*;
other stores' transfers are 404; refused steps are flash messages with nothing changed;
the delivery note PDF (text and a scannable Code128); location pages link transfers."""

from __future__ import annotations

import subprocess

import pytest

from portal.inventory.errors import InsufficientStock
from portal.inventory.ledger import check_levels
from portal.inventory.models import IncomingStock, StockMovement
from portal.returns.models import TransferOrder
from portal.returns.transfers import create_transfer, ship_transfer
from tests.barcodes import decode_pdf, tool
from tests.conftest import csrf_token, login
from tests.fulfilment.conftest import level


@pytest.fixture
def transfers(shelf, stores, users):
    """BER → HAM (2 shoes), WH → BER (1 cap), WH → HAM (2 caps), oldest first."""
    for code, street in (("BER", "Alexanderplatz 1"), ("HAM", "Mönckebergstraße 7")):
        stores[code].street = street
        stores[code].save()
    made = {"ber_ham": create_transfer(stores["BER"], stores["HAM"], [(shelf["shoe"], 2)],
                                       users["manager"], reason="needed at HAM"),
            "wh_ber": create_transfer(stores["WH"], stores["BER"], [(shelf["cap"], 1)],
                                      users["manager"]),
            "wh_ham": create_transfer(stores["WH"], stores["HAM"], [(shelf["cap"], 2)],
                                      users["manager"])}
    return made


@pytest.fixture
def as_user(app, users):
    """A client of its own per person, so a test can switch between them."""

    def _client(role: str):
        client = app.test_client()
        assert login(client, users[role]).status_code == 302
        return client

    return _client


def numbers(page: str, transfers: dict) -> set[str]:
    return {key for key, t in transfers.items() if t.number in page}


def status(transfer) -> str:
    return TransferOrder.get_by_id(transfer.id).status


def text_of(pdf: bytes, tmp_path) -> str:
    source = tmp_path / "note.pdf"
    source.write_bytes(pdf)
    return subprocess.run([tool("pdftotext"), "-layout", str(source), "-"],  # noqa: S603
                          capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize(("role", "seen"), [
    ("employee", {"ber_ham", "wh_ber"}), ("employee_ham", {"ber_ham", "wh_ham"}),
    ("logistics", {"ber_ham", "wh_ber", "wh_ham"}), ("manager", {"ber_ham", "wh_ber", "wh_ham"}),
    ("admin", {"ber_ham", "wh_ber", "wh_ham"})])
def test_the_list_shows_the_transfers_of_the_users_store(as_role, transfers, role, seen):
    page = as_role(role).get("/returns/transfers").get_data(as_text=True)
    assert numbers(page, transfers) == seen


def test_the_list_filters_by_status_and_locations(as_role, transfers, users):
    ship_transfer(transfers["wh_ham"], users["logistics"])
    client = as_role("logistics")

    def shown(query: str) -> set[str]:
        return numbers(client.get(f"/returns/transfers?{query}", headers={
            "HX-Request": "true"}).get_data(as_text=True), transfers)

    assert shown("status=shipped") == {"wh_ham"}
    assert shown("status=approved") == {"ber_ham", "wh_ber"}
    assert shown("from=wh") == {"wh_ber", "wh_ham"}
    assert shown("from=WH&to=BER") == {"wh_ber"}
    assert shown("to=HAM&status=approved") == {"ber_ham"}
    assert shown("status=bogus") == {"ber_ham", "wh_ber", "wh_ham"}


def test_an_employee_never_sees_another_stores_transfer(as_role, transfers):
    client = as_role("employee")  # Berlin
    number = transfers["wh_ham"].number
    token = csrf_token(client, "/returns/transfers")

    assert client.get(f"/returns/transfers/{number}").status_code == 404
    assert client.get(f"/returns/transfers/{number}.pdf").status_code == 404
    for step in ("ship", "receive", "cancel"):
        assert client.post(f"/returns/transfers/{number}/{step}",
                           data={"csrf_token": token}).status_code == 404
    assert status(transfers["wh_ham"]) == "approved"
    # The filters offer only the places of the employee's own transfers.
    page = client.get("/returns/transfers").get_data(as_text=True)
    assert "Hamburg City" in page  # BER → HAM is Berlin's own
    assert client.get("/returns/transfers/TR-0000-999999").status_code == 404


def test_the_page_shows_lines_addresses_timeline_and_the_sources_buttons(as_user, transfers):
    number = transfers["ber_ham"].number
    page = as_user("employee").get(f"/returns/transfers/{number}").get_data(as_text=True)

    assert "SNK-1" in page and "Product SNK-1" in page
    assert "Alexanderplatz 1" in page and "Mönckebergstraße 7" in page
    assert "needed at HAM" in page and "Created" in page and "manager@test.example" in page
    assert f'action="/returns/transfers/{number}/ship"' in page
    assert f'action="/returns/transfers/{number}/cancel"' in page
    assert f'action="/returns/transfers/{number}/receive"' not in page
    target = as_user("employee_ham").get(f"/returns/transfers/{number}").get_data(as_text=True)
    assert "/ship" not in target and "/cancel" not in target and "/receive" not in target


def test_shipped_by_the_source_and_received_by_the_target(as_user, transfers, shelf, stores):
    transfer = transfers["ber_ham"]
    berlin = as_user("employee")
    token = csrf_token(berlin, "/returns/transfers")
    path = f"/returns/transfers/{transfer.number}"

    assert berlin.post(f"{path}/receive", data={"csrf_token": token}).status_code == 403
    shipped = berlin.post(f"{path}/ship", data={"csrf_token": token}, follow_redirects=True)

    assert shipped.status_code == 200
    assert f"Transfer {transfer.number} is on its way." in shipped.get_data(as_text=True)
    assert status(transfer) == "shipped" and level(shelf["shoe"], stores["BER"]) == (1, 0)
    assert check_levels() == []

    hamburg = as_user("employee_ham")
    token = csrf_token(hamburg, "/returns/transfers")
    assert hamburg.post(f"{path}/ship", data={"csrf_token": token}).status_code == 403
    page = hamburg.get(path).get_data(as_text=True)
    assert f'action="{path}/receive"' in page
    received = hamburg.post(f"{path}/receive", data={"csrf_token": token},
                            follow_redirects=True).get_data(as_text=True)

    assert "received: the units are in stock here" in received
    transfer = TransferOrder.get_by_id(transfer.id)
    assert transfer.status == "received" and transfer.received_at is not None
    assert level(shelf["shoe"], stores["HAM"]) == (3, 0)
    assert IncomingStock.get(IncomingStock.reference == transfer.number).status == "received"
    assert check_levels() == []
    assert "Shipped" in received and "Received" in received  # the timeline


def test_a_refused_step_is_a_message_and_changes_nothing(as_user, transfers, monkeypatch):
    transfer = transfers["ber_ham"]
    client = as_user("employee")
    token = csrf_token(client, "/returns/transfers")
    path = f"/returns/transfers/{transfer.number}"
    client.post(f"{path}/ship", data={"csrf_token": token})
    movements = StockMovement.select().count()

    again = client.post(f"{path}/ship", data={"csrf_token": token}, follow_redirects=True)
    assert "is shipped; it cannot become shipped" in again.get_data(as_text=True)
    cancel = client.post(f"{path}/cancel", data={"csrf_token": token}, follow_redirects=True)
    assert "cannot become cancelled" in cancel.get_data(as_text=True)
    assert status(transfer) == "shipped" and StockMovement.select().count() == movements

    def short(*_args):
        raise InsufficientStock("Only 0 of SNK-1 left at BER.")

    monkeypatch.setattr("portal.returns.transfer_views.ship_transfer", short)
    other = transfers["wh_ber"]
    manager = as_user("manager")
    refused = manager.post(f"/returns/transfers/{other.number}/ship", follow_redirects=True,
                           data={"csrf_token": csrf_token(manager, "/returns/transfers")})
    assert "Only 0 of SNK-1 left at BER." in refused.get_data(as_text=True)
    assert status(other) == "approved"


def test_cancel_by_a_manager_or_the_source_never_by_the_target(as_user, transfers, shelf,
                                                              stores):
    hamburg = as_user("employee_ham")
    token = csrf_token(hamburg, "/returns/transfers")
    assert hamburg.post(f"/returns/transfers/{transfers['ber_ham'].number}/cancel",
                        data={"csrf_token": token}).status_code == 403
    berlin = as_user("employee")
    berlin.post(f"/returns/transfers/{transfers['ber_ham'].number}/cancel",
                data={"csrf_token": csrf_token(berlin, "/returns/transfers")})
    assert status(transfers["ber_ham"]) == "cancelled"
    assert level(shelf["shoe"], stores["BER"]) == (3, 0)

    manager = as_user("manager")
    manager.post(f"/returns/transfers/{transfers['wh_ham'].number}/cancel",
                 data={"csrf_token": csrf_token(manager, "/returns/transfers")})
    assert status(transfers["wh_ham"]) == "cancelled"
    assert check_levels() == []


def test_steps_need_the_csrf_token(as_role, transfers):
    client = as_role("employee")
    assert client.post(f"/returns/transfers/{transfers['ber_ham'].number}/ship"
                       ).status_code == 400
    assert client.post(f"/returns/transfers/{transfers['ber_ham'].number}/ship",
                       headers={"HX-Request": "true"}).status_code == 400
    assert status(transfers["ber_ham"]) == "approved"


def test_the_delivery_note_has_the_lines_and_a_scannable_number(as_role, transfers, tmp_path):
    transfer = transfers["ber_ham"]
    response = as_role("employee_ham").get(f"/returns/transfers/{transfer.number}.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f"delivery-note-{transfer.number}.pdf" in response.headers["Content-Disposition"]
    text = text_of(response.data, tmp_path)
    assert "Delivery note" in text and f"Transfer {transfer.number}" in text
    assert "Berlin Mitte (BER)" in text and "Hamburg City (HAM)" in text
    assert "Mönckebergstraße 7" in text and "needed at HAM" in text
    assert "SNK-1" in text and "Product SNK-1" in text
    assert "1 line · 2 units" in text and "Page 1 of 1" in text
    assert f"CODE-128:{transfer.number}" in decode_pdf(response.data, tmp_path)


def test_a_long_delivery_note_runs_over_pages(ctx, stores, users, tmp_path):
    from portal.inventory import services as stock
    from portal.returns.delivery_note import render_delivery_note
    from portal.returns.transfer_queries import lines_of
    from tests.inventory.conftest import make_product

    products = [make_product(f"ART-{n:03d}") for n in range(45)]
    for product in products:
        stock.receive_stock(product, stores["WH"], 1)
    transfer = create_transfer(stores["WH"], stores["BER"], [(p, 1) for p in products],
                               users["manager"])
    transfer = TransferOrder.get_by_id(transfer.id)
    text = text_of(render_delivery_note(transfer, lines_of(transfer)), tmp_path)

    assert "Page 1 of 2" in text and "Page 2 of 2" in text
    assert all(f"ART-{n:03d}" in text for n in range(45))
    assert "45 lines · 45 units" in text


def test_the_location_page_links_incoming_transfers_and_books_them_in_there(as_role, transfers,
                                                                           stores):
    IncomingStock.create(product=transfers["ber_ham"].lines[0].product_id,
                         location=stores["HAM"].id, quantity=1, expected_on="2030-01-01",
                         source="transfer", reference="TR-2030-001000")  # not a transfer order
    page = as_role("employee_ham").get("/locations/HAM").get_data(as_text=True)

    for key in ("ber_ham", "wh_ham"):
        number = transfers[key].number
        assert f'<a href="/returns/transfers/{number}">{number}</a>' in page
    assert "TR-2030-001000</td>" in page  # unknown numbers stay plain text
    assert page.count('class="receive-form"') == 1  # only the plain delivery is booked in here
