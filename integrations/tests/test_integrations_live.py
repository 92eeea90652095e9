"""End to end on the real stack: a hotel system posts signed events to daphne; the Celery worker
notifies the guest through the outbox at the fake Graph API; when Graph refuses the number for
good (131026) the guest gets the e-mail at the fake SMTP server and staff see the failure live
(their Redis channel-layer group) and in the conversation.

The module's `live_stack` runs its own worker (pointed at the fake servers) in place of the
session's, and puts the session's worker back afterwards.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from channels.layers import get_channel_layer
from django_tenants.utils import schema_context

from conversations.models import Guest, Message, MessageRole, OutboxItem, WhatsAppTemplate
from integrations import signing
from integrations.models import IntegrationCredential, IntegrationEvent, NotificationStatus
from integrations.services import credentials
from integrations.tests.conftest import booking_event
from properties.models import EmailBinding, WhatsAppBinding
from properties.realtime import staff_group
from testsupport.live import LiveStack, StackSpec
from testsupport.wait import wait_until

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.e2e]

NUMBER_A = "550000000001"
ADDRESS_A = "stay@alpha-integ-live.example"


@dataclass(frozen=True)
class Secrets:
    a: str
    b: str


@pytest.fixture(scope="module")
def secrets(properties_ab, django_db_blocker) -> Iterator[Secrets]:
    """One integration credential for each property; the events of the tests are signed with them."""
    with django_db_blocker.unblock():
        issued_a = credentials.create(properties_ab.a, label="Alpha PMS (live test)")
        issued_b = credentials.create(properties_ab.b, label="Bravo POS (live test)")
    yield Secrets(issued_a.secret, issued_b.secret)
    with django_db_blocker.unblock():
        IntegrationCredential.objects.filter(pk__in=[issued_a.credential.pk, issued_b.credential.pk]).delete()


@pytest.fixture(scope="module")
def live_stack_spec(properties_ab, django_db_blocker, secrets: Secrets) -> Iterator[StackSpec]:
    world = properties_ab
    with django_db_blocker.unblock():
        WhatsAppBinding.objects.create(property=world.a, phone_number_id=NUMBER_A, display_phone_number="60300")
        EmailBinding.objects.create(property=world.a, address=ADDRESS_A, from_name="Alpha Hotel")
        with schema_context(world.a.schema_name):
            WhatsAppTemplate.objects.create(
                name="booking_confirmed_live",
                language="en",
                is_approved=True,
                purpose="booking.confirmed",
                components=[{"type": "body", "parameters": [{"type": "text", "text": "{reference}"}]}],
            )
    yield StackSpec(smtp=True, env={"WHATSAPP_HTTP_TIMEOUT": "2", "SMS_PROVIDER": ""})
    with django_db_blocker.unblock():
        with schema_context(world.a.schema_name):
            guests = list(IntegrationEvent.objects.values_list("guest_id", flat=True))
            OutboxItem.objects.filter(message__conversation__guest_id__in=guests).delete()
            Guest.objects.filter(pk__in=guests).delete()  # their events, conversations, messages with them
            WhatsAppTemplate.objects.filter(name="booking_confirmed_live").delete()
        WhatsAppBinding.objects.filter(phone_number_id=NUMBER_A).delete()
        EmailBinding.objects.filter(address=ADDRESS_A).delete()


def _post(live_stack: LiveStack, slug: str, event: dict, secret: str) -> tuple[int, dict]:
    body = json.dumps(event).encode()
    headers = {"Content-Type": "application/json", signing.HEADER: signing.header_value(secret, int(time.time()), body)}
    status, answer = live_stack.daphne.request("POST", f"/api/v1/integrations/{slug}/events", body, headers)
    return status, json.loads(answer or b"{}")


def _templates_to(live_stack: LiveStack, wa_id: str) -> list[dict]:
    return [m for m in live_stack.graph.sent_messages() if m.get("to") == wa_id and m.get("type") == "template"]


def test_a_booking_confirmed_event_reaches_the_guest_on_whatsapp_once(
    live_stack: LiveStack, secrets: Secrets, committed_db
) -> None:
    wa_id = "60123450001"
    event = booking_event("live-evt-1", guest={"name": "Aisyah", "phone": f"+{wa_id}", "language": "en"})
    started = time.monotonic()
    status, body = _post(live_stack, committed_db.a.slug, event, secrets.a)
    answered_in = time.monotonic() - started
    assert status == 202, body
    assert answered_in < 5  # the answer does not wait for WhatsApp
    sent = wait_until(lambda: _templates_to(live_stack, wa_id), timeout=30)
    assert sent, live_stack.graph.requests
    assert sent[0]["template"]["name"] == "booking_confirmed_live"
    assert sent[0]["template"]["components"][0]["parameters"][0]["text"] == "BK-1001"
    # The hotel's system retries (its own timeout, say): the same answer, no second message.
    assert _post(live_stack, committed_db.a.slug, event, secrets.a) == (200, body)
    time.sleep(1.5)
    assert len(_templates_to(live_stack, wa_id)) == 1
    with schema_context(committed_db.a.schema_name):
        record = IntegrationEvent.objects.get(event_id="live-evt-1")
        # Delivered: the event says so (it was "queued" until the outbox sent the template).
        assert record.notification_status == NotificationStatus.SENT and record.notification_channel == "whatsapp"
        assert record.notification_message.outbox.state == "sent"
    # Bravo's credentials cannot post to Alpha, over the real server too.
    assert _post(live_stack, committed_db.a.slug, booking_event("live-evt-x"), secrets.b)[0] == 401


def test_when_whatsapp_fails_for_good_the_guest_gets_the_email_and_staff_see_it(
    live_stack: LiveStack, secrets: Secrets, committed_db
) -> None:
    wa_id = "60123450002"
    live_stack.graph.undeliverable.add(wa_id)
    layer = get_channel_layer()
    loop = asyncio.new_event_loop()
    channel = loop.run_until_complete(layer.new_channel())
    group = staff_group(committed_db.a.schema_name)
    loop.run_until_complete(layer.group_add(group, channel))
    try:
        event = booking_event(
            "live-evt-2", guest={"name": "Ben", "phone": f"+{wa_id}", "email": "ben@guest.example", "language": "en"}
        )
        status, _ = _post(live_stack, committed_db.a.slug, event, secrets.a)
        assert status == 202
        mails = live_stack.smtp.wait_for(1, timeout=40)
        assert mails, "no fallback e-mail reached the fake SMTP server"
        mail = mails[0]
        assert mail.rcpt_tos == ("ben@guest.example",)
        assert mail.message["Subject"] == "Your booking BK-1001 is confirmed — Alpha Hotel"
        assert ADDRESS_A in mail.message["From"]
        assert "BK-1001" in mail.message.get_body(("plain",)).get_content()
        # WhatsApp was tried and refused (131026) before the e-mail; no template went out.
        assert any(r.status == 400 and wa_id in r.body.decode() for r in live_stack.graph.requests)
        assert _templates_to(live_stack, wa_id) == []
        # Staff, live: the outbox's delivery failure and the integration's own alert naming the fallback.
        seen: dict[str, dict] = {}
        deadline = time.monotonic() + 15
        while "integration.delivery_failed" not in seen and time.monotonic() < deadline:
            message = loop.run_until_complete(asyncio.wait_for(layer.receive(channel), 15))
            seen[message["event"]] = message["payload"]
        alert = seen["integration.delivery_failed"]
        assert alert["failed_channel"] == "whatsapp" and alert["fallback_channel"] == "email"
        assert "131026" in alert["error"]
        assert "delivery_failed" in seen
        with schema_context(committed_db.a.schema_name):
            record = IntegrationEvent.objects.get(event_id="live-evt-2")
            assert wait_until(lambda: IntegrationEvent.objects.get(pk=record.pk).fallback_message_id, timeout=30)
            record.refresh_from_db()
            assert record.notification_channel == "whatsapp" and record.fallback_channel == "email"
            assert record.notification_message.outbox.error_code == 131026
            assert wait_until(
                lambda: OutboxItem.objects.get(message=record.fallback_message).state == "sent", timeout=30
            )
            # And later, in the conversation where the notice failed.
            note = Message.objects.get(
                conversation=record.notification_message.conversation,
                role=MessageRole.SYSTEM,
                metadata__event="integration_delivery_failed",
            )
            assert "sending it by email" in note.content
    finally:
        loop.run_until_complete(layer.group_discard(group, channel))
        loop.close()
