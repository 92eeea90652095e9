"""Staff see what happened to every message they or the AI sent: queued, sent, delivered, read, failed with a
reason in words, or the template that went instead; a reply WhatsApp would refuse is refused up front."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from conftest import api_client
from conversations import engine
from conversations.models import Conversation, Message, MessageRole, OutboxItem, WhatsAppTemplate
from conversations.pipeline import outbox, routing
from conversations.tests.test_outbox_dispatch import _guest_says, dispatch_in_order
from properties.models import WhatsAppBinding
from properties.tests.test_realtime import open_staff_socket, receive_events, session_cookie
from testsupport.inbound import whatsapp_text

NUMBER = "550000001717"


@pytest.fixture
def whatsapp_a(world, fake_graph):
    WhatsAppBinding.objects.create(property=world.a, phone_number_id=NUMBER, display_phone_number="1")
    return fake_graph


def _guest_wrote(wa_id: str, hours_ago: float = 0) -> Conversation:
    return _guest_says("hello", wa_id=wa_id, number=NUMBER, at=timezone.now() - dt.timedelta(hours=hours_ago))[0]


def _reply(api, world, conversation: Conversation, text: str):
    url = f"/api/v1/properties/{world.a.pk}/conversations/{conversation.pk}/messages"
    return api.post(url, {"text": text}, content_type="application/json")


def _delivery_of(api, world, conversation: Conversation, message_id: int) -> dict:
    detail = api.get(f"/api/v1/properties/{world.a.pk}/conversations/{conversation.pk}").json()
    return next(m["delivery"] for m in detail["messages"] if m["id"] == message_id)


@pytest.mark.django_db
def test_a_reply_outside_the_window_without_a_template_is_refused_before_anything_is_stored(world, whatsapp_a) -> None:
    with schema_context(world.a.schema_name):
        conversation = _guest_wrote("60188800001", hours_ago=25)
    refused = _reply(api_client(world.agent_a), world, conversation, "Are you still coming tomorrow?")
    assert refused.status_code == 400
    assert "more than 24 hours ago" in refused.json()["detail"] and "template" in refused.json()["detail"]
    with schema_context(world.a.schema_name):
        assert not Message.objects.filter(conversation=conversation, role=MessageRole.STAFF).exists()
        assert not OutboxItem.objects.exists()
    assert whatsapp_a.sent_messages() == []


@pytest.mark.django_db
def test_with_an_approved_template_staff_see_that_the_template_went_instead_of_their_words(world, whatsapp_a) -> None:
    api = api_client(world.agent_a)
    with schema_context(world.a.schema_name):
        WhatsAppTemplate.objects.create(name="reengage_v1", language="en", is_approved=True)
        conversation = _guest_wrote("60188800002", hours_ago=30)
    sent = _reply(api, world, conversation, "Your airport pickup is booked for 9 am.")
    assert sent.status_code == 201 and sent.json()["delivery"]["state"] == "queued"
    with schema_context(world.a.schema_name):
        assert dispatch_in_order(sent.json()["id"]) == "sent"
    delivery = _delivery_of(api, world, conversation, sent.json()["id"])
    assert delivery["state"] == "sent" and delivery["template"] == "reengage_v1"
    assert [m["type"] for m in whatsapp_a.sent_messages()] == ["template"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "words"),
    [(131026, "can't receive WhatsApp messages"), (131047, "More than 24 hours since the guest last wrote")],
)
def test_undeliverable_and_window_failures_reach_staff_in_words(world, whatsapp_a, code, words) -> None:
    api = api_client(world.agent_a)
    wa_id = f"6018880{code}"
    (whatsapp_a.undeliverable if code == 131026 else whatsapp_a.outside_window).add(wa_id)
    with schema_context(world.a.schema_name):
        conversation = _guest_wrote(wa_id)
    sent = _reply(api, world, conversation, "Hello from the front desk")
    with schema_context(world.a.schema_name):
        assert dispatch_in_order(sent.json()["id"]) == "failed"
    delivery = _delivery_of(api, world, conversation, sent.json()["id"])
    assert delivery["state"] == "failed" and delivery["error_code"] == code and words in delivery["reason"]


@pytest.mark.django_db
def test_statuses_move_the_state_forward_and_other_properties_see_none_of_it(world, whatsapp_a) -> None:
    api = api_client(world.agent_a)
    with schema_context(world.a.schema_name):
        conversation = _guest_wrote("60188800004")
    sent = _reply(api, world, conversation, "Your room is ready")
    with schema_context(world.a.schema_name):
        dispatch_in_order(sent.json()["id"])
        item = OutboxItem.objects.get(message_id=sent.json()["id"])
        outbox.apply_status({"wamid": item.provider_ids[0], "status": "delivered", "errors": []})
    assert _delivery_of(api, world, conversation, sent.json()["id"])["state"] == "delivered"
    with schema_context(world.a.schema_name):
        outbox.apply_status({"wamid": item.provider_ids[0], "status": "read", "errors": []})
    assert _delivery_of(api, world, conversation, sent.json()["id"])["state"] == "read"
    outsider = api_client(world.manager_b).get(f"/api/v1/properties/{world.a.pk}/conversations/{conversation.pk}")
    assert outsider.status_code == 404


@pytest.mark.e2e
def test_delivery_events_reach_as_staff_sockets_and_not_bs(
    committed_db, forget_committed_guests, daphne, fake_graph
) -> None:
    world = committed_db
    routing.clear_cache()
    binding = WhatsAppBinding.objects.create(property=world.a, phone_number_id="550000001718", display_phone_number="1")
    try:
        with (
            open_staff_socket(daphne, "alpha.localhost", session_cookie(world.a, world.agent_a)) as agent,
            open_staff_socket(daphne, "bravo.localhost", session_cookie(world.b, world.manager_b)) as outsider,
            schema_context(world.a.schema_name),
        ):
            agent.recv(timeout=5)  # hello
            outsider.recv(timeout=5)
            conversation, _, _ = engine.ingest(
                whatsapp_text("+60188800005", "hi", number="550000001718", wamid="wamid.delivery.live")
            )
            message = Message.objects.create(
                conversation=conversation, role=MessageRole.AI, content="Hi!", channel="whatsapp"
            )
            item = outbox.stage(message, conversation)
            assert outbox.dispatch(item.pk) == "sent"
            events = [e for e in receive_events(agent, 3) if e["event"] == "message.delivery"]
            assert events and events[-1]["payload"]["message_id"] == message.pk
            assert events[-1]["payload"]["delivery"]["state"] == "sent"
            assert [e for e in receive_events(outsider, 1) if e["event"] == "message.delivery"] == []
    finally:
        binding.delete()
        routing.clear_cache()
