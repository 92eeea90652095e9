"""Meta's stored webhook bodies (messaging/tests/fixtures/whatsapp, the ones with a "pipeline" expectation) through
the worker: edits, deletions, system notices, reactions and opt-out are handled by meaning, never greeted."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from conversations import engine
from conversations.models import (
    Guest,
    GuestIdentity,
    InboundEvent,
    Message,
    MessageRole,
    OutboxItem,
    WhatsAppTemplate,
)
from conversations.pipeline import inbound, outbox, receive, routing
from messaging.tests.test_whatsapp_contract import FIXTURES, payload_bytes
from messaging.whatsapp import parse_webhook, sign
from properties.models import WhatsAppBinding
from testsupport.inbound import whatsapp_inbox, whatsapp_text

NUMBER = "106540352242922"  # the fixtures' property number
CASES = sorted(
    p.name.removesuffix(".expected.json")
    for p in FIXTURES.glob("*.expected.json")
    if "pipeline" in json.loads(p.read_text())
)


@pytest.fixture
def alpha(world, fake_graph, monkeypatch):
    with whatsapp_inbox(world.a, NUMBER, monkeypatch) as turns:
        yield fake_graph, turns


def _earlier_message(sender_id: str, wamid: str, *, answered: bool = False) -> Message:
    """What the guest wrote before the fixture's event (the message it edits or deletes), a day ago."""
    conversation, message, _ = engine.ingest(whatsapp_text(sender_id, "One room please", number=NUMBER, wamid=wamid))
    if answered:
        Message.objects.create(
            conversation=conversation, role=MessageRole.AI, content="Sure!", metadata={"answers": [message.pk]}
        )
    return message


def _run(name: str) -> list[InboundEvent]:
    events = parse_webhook(payload_bytes(name), routing.whatsapp_schema)
    inbound.store_events(inbound.whatsapp_rows(events))
    stored = list(InboundEvent.objects.filter(kind="message").order_by("-pk")[: len(events)])
    for event in stored:
        inbound.process(event.pk)
    return [InboundEvent.objects.get(pk=e.pk) for e in stored]


@pytest.mark.django_db
@pytest.mark.parametrize("name", CASES)
def test_a_stored_webhook_has_its_expected_outcome_in_the_pipeline(alpha, name) -> None:
    graph, turns = alpha
    expected = json.loads((FIXTURES / f"{name}.expected.json").read_text())
    want, first = expected["pipeline"], expected["events"][0]
    sender = first.get("sender_id", "+60123456789")
    original = None
    if first.get("reply_to") or first.get("kind") == "system":
        original = _earlier_message(sender, first.get("reply_to") or f"wamid.before.{name}")
    greetings_before = Message.objects.filter(metadata__greeting=True).count()
    [event] = _run(name)
    assert event.state in ("processed", "ignored"), event.error
    assert bool(turns) == want["answered"], turns
    assert (Message.objects.filter(metadata__greeting=True).count() > greetings_before) == want["greeted"]
    if "original_text" in want:
        original.refresh_from_db()
        assert original.content == want["original_text"] and original.metadata["edits"][0]["text"] == "One room please"
    if want.get("original_deleted"):
        original.refresh_from_db()
        assert original.metadata["deleted_by_guest_at"]
    if "new_identity" in want:
        identity = GuestIdentity.objects.get(external_id=want["new_identity"])
        assert identity.guest_id == original.conversation.guest_id
        notes = Message.objects.filter(conversation=original.conversation, metadata__event="guest_system_notice")
        assert notes.exists()
    if want.get("opted_out"):
        assert Guest.objects.get(identities__external_id=sender).opted_out_at is not None


@pytest.mark.django_db
def test_an_edit_of_an_answered_message_updates_the_text_and_is_not_answered_again(alpha) -> None:
    graph, turns = alpha
    original = _earlier_message("+60123456789", "wamid.GUEST000000001", answered=True)
    [event] = _run("edit_text")
    original.refresh_from_db()
    assert event.state == "processed" and original.content == "Actually, two rooms please"
    assert turns == [] and graph.sent_messages() == []


@pytest.mark.django_db
def test_an_edit_of_a_message_we_never_saw_is_the_guests_message(alpha) -> None:
    graph, turns = alpha
    [event] = _run("edit_text")
    message = Message.objects.get(pk=event.message_id)
    assert message.content == "Actually, two rooms please" and turns == [message.pk]


@pytest.mark.django_db
def test_a_guest_who_sent_stop_gets_answers_but_nothing_unasked(alpha) -> None:
    graph, turns = alpha
    _run("text_opt_out")
    guest = Guest.objects.get(identities__external_id="+60123456789")
    conversation = guest.conversations.get()
    # The opt-out is confirmed, and an answer to what the guest writes still goes.
    answer = Message.objects.create(conversation=conversation, role=MessageRole.AI, content="Breakfast is at 7.")
    outbox.stage(answer, conversation)
    staged = OutboxItem.objects.order_by("pk").values_list("pk", flat=True)
    assert [outbox.dispatch(pk) for pk in staged] == ["sent", "sent"]
    confirmation, sent_answer = [m["text"]["body"] for m in graph.sent_messages()]
    assert confirmation.startswith("Baik — kami tidak akan menghantar") and sent_answer == "Breakfast is at 7."
    # A hotel system's notice (a template purpose) does not, nor anything outside the window.
    WhatsAppTemplate.objects.create(name="booking_ok", language="en", is_approved=True, purpose="booking")
    notice = Message.objects.create(conversation=conversation, role=MessageRole.AI, content="Booking confirmed")
    item = outbox.stage(notice, conversation)
    OutboxItem.objects.filter(pk=item.pk).update(extra={"template_purpose": "booking"})
    assert outbox.dispatch(item.pk) == "failed"
    item.refresh_from_db()
    assert "opted out" in item.last_error
    Message.objects.filter(conversation=conversation, role=MessageRole.GUEST).update(
        created_at=timezone.now() - dt.timedelta(hours=30)
    )
    assert "opted out" in outbox.refusal_for_staff(conversation)


WABA = "102290129340398"  # the fixtures' WhatsApp Business account
TEMPLATE_CASES = sorted(
    p.name.removesuffix(".expected.json")
    for p in FIXTURES.glob("*.expected.json")
    if "template" in json.loads(p.read_text())
)


@pytest.mark.django_db
@pytest.mark.parametrize("name", TEMPLATE_CASES)
def test_template_news_reaches_the_accounts_properties_only_and_decides_whether_it_is_used(
    world, settings, name
) -> None:
    settings.WHATSAPP_APP_SECRET = "template-news-secret"
    routing.clear_cache()
    WhatsAppBinding.objects.create(property=world.a, phone_number_id=NUMBER, display_phone_number="1", waba_id=WABA)
    want = json.loads((FIXTURES / f"{name}.expected.json").read_text())["template"]
    for schema in (world.a.schema_name, world.b.schema_name):  # B has the same name in another account
        with schema_context(schema):
            WhatsAppTemplate.objects.create(name="reengage_v1", language="en", is_approved=want["before"])
    body = payload_bytes(name)
    outcome = receive.receive_whatsapp(body, sign(body, settings.WHATSAPP_APP_SECRET))
    assert outcome.status == 200 and [row[0] for row in outcome.rows] == [world.a.schema_name]
    with schema_context(world.a.schema_name):
        event = InboundEvent.objects.get(kind="template")
        inbound.process(event.pk)
        template = WhatsAppTemplate.objects.get(name="reengage_v1")
        news = json.loads(body)["entry"][0]["changes"][0]["value"]
        assert template.is_approved == want["after"] and template.status == news["event"]
        assert InboundEvent.objects.get(pk=event.pk).state == "processed"
    with schema_context(world.b.schema_name):
        assert WhatsAppTemplate.objects.get(name="reengage_v1").is_approved == want["before"]
    routing.clear_cache()


@pytest.mark.django_db
def test_a_rejected_template_is_never_sent(alpha) -> None:
    graph, turns = alpha
    WhatsAppTemplate.objects.create(
        name="reengage_v1", language="en", is_approved=False, status="REJECTED", purpose="reengage"
    )
    original = _earlier_message("+60123456789", "wamid.before.rejected")
    Message.objects.filter(pk=original.pk).update(created_at=timezone.now() - dt.timedelta(hours=30))
    late = Message.objects.create(conversation=original.conversation, role=MessageRole.AI, content="Still there?")
    assert outbox.dispatch(outbox.stage(late, original.conversation).pk) == "failed"
    assert graph.sent_messages() == []
