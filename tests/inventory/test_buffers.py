"""Managers hold stock back from a channel; availability follows."""

from __future__ import annotations

import pytest

from portal.audit.models import AuditEvent
from portal.inventory.buffers import set_channel_buffer
from portal.inventory.errors import InventoryInvalid
from portal.inventory.models import ChannelBuffer
from tests.conftest import csrf_token


def _post(client, **data):
    return client.post("/stock/buffers", data={"csrf_token": csrf_token(client, "/"), **data})


def test_manager_sets_changes_and_removes_a_buffer(as_role, stores):
    client = as_role("manager")

    assert _post(client, channel="web", location=str(stores["BER"].id),
                 quantity="2").status_code == 302
    assert _post(client, channel="web", location=str(stores["BER"].id),
                 quantity="3").status_code == 302
    assert ChannelBuffer.get().quantity == 3
    assert "Berlin Mitte" in client.get("/stock/buffers").get_data(as_text=True)

    _post(client, channel="web", location=str(stores["BER"].id), quantity="0")
    assert ChannelBuffer.select().count() == 0
    assert AuditEvent.select().where(AuditEvent.action == "stock.buffer_set").count() == 3


def test_buffer_for_all_locations_is_one_row(ctx, stores, users):
    set_channel_buffer("marketplace", None, 1, users["manager"])
    set_channel_buffer("marketplace", None, 4, users["manager"])

    assert [(b.location_id, b.quantity) for b in ChannelBuffer.select()] == [(None, 4)]


@pytest.mark.parametrize("channel,quantity", [("fax", 1), ("web", -1), ("web", 10_001)])
def test_bad_buffers_are_refused(ctx, channel, quantity):
    with pytest.raises(InventoryInvalid):
        set_channel_buffer(channel, None, quantity)
    assert ChannelBuffer.select().count() == 0


def test_bad_form_input_is_400_and_saves_nothing(as_role):
    response = _post(as_role("manager"), channel="web", location="", quantity="lots")

    assert response.status_code == 400
    assert ChannelBuffer.select().count() == 0


@pytest.mark.parametrize("role", ["employee", "logistics"])
def test_only_managers_and_admins_set_buffers(as_role, role):
    assert as_role(role).get("/stock/buffers").status_code == 403
