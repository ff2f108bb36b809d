"""``flask outbox deliver|list`` and the admins' outbox screen."""

from __future__ import annotations

from portal.audit.models import AuditEvent
from portal.notifications.models import OutboxMessage
from portal.notifications.services import deliver_outbox
from portal.orders.services import cancel_order, transition_order
from tests.conftest import csrf_token
from tests.notifications.conftest import messages
from tests.notifications.test_delivery import FailingBackend


def test_deliver_prints_the_counts_and_list_shows_the_messages(app, order, mailbox):
    transition_order(order, "confirmed")
    runner = app.test_cli_runner()

    delivered = runner.invoke(args=["outbox", "deliver"])
    listed = runner.invoke(args=["outbox", "list", "--status", "sent"])
    pending = runner.invoke(args=["outbox", "list", "--status", "pending"])

    assert delivered.exit_code == 0, delivered.output
    assert "Sent 1, to retry 0, failed 0" in delivered.output
    assert len(mailbox.sent) == 1
    assert listed.exit_code == 0
    assert "order_confirmed" in listed.output and order.number in listed.output
    assert "erika@example.com" in listed.output
    assert pending.output.strip() == ""


def test_only_admins_see_the_outbox(as_role):
    assert as_role("manager").get("/admin/outbox/").status_code == 403


def test_admins_filter_the_outbox_and_send_a_failed_message_again(as_role, order, users):
    transition_order(order, "confirmed")
    deliver_outbox(backend=FailingBackend(error=ConnectionRefusedError("mail server down")))
    cancel_order(order, users["manager"])
    client = as_role("admin")
    failed_id = messages(kind="order_confirmed")[0].id
    OutboxMessage.update(status="failed").where(OutboxMessage.id == failed_id).execute()

    page = client.get("/admin/outbox/").get_data(as_text=True)
    only_failed = client.get("/admin/outbox/?status=failed",
                             headers={"HX-Request": "true"}).get_data(as_text=True)

    assert order.number in page and "Order cancelled" in page and "Order confirmed" in page
    assert "mail server down" in page
    assert "Order confirmed" in only_failed and "Order cancelled" not in only_failed
    assert "<html" not in only_failed  # the fragment only

    refused = client.post(f"/admin/outbox/{failed_id}/retry")
    assert refused.status_code == 400  # no CSRF token
    response = client.post(f"/admin/outbox/{failed_id}/retry",
                           data={"csrf_token": csrf_token(client, "/admin/outbox/"),
                                 "status": "failed"})

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/outbox/?status=failed")
    assert messages(kind="order_confirmed")[0].status == "pending"
    assert AuditEvent.get(AuditEvent.action == "outbox.retried").actor == users["admin"].email
