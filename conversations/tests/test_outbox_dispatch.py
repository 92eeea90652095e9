"""The outbox and the greeting, against the fake Graph API in-process: errors handled by meaning."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from conftest import host_client
from conversations import engine, handoff, task_names
from conversations.models import (
    Conversation,
    GreetingState,
    Message,
    MessageRole,
    OutboxItem,
    WhatsAppTemplate,
)
from conversations.pipeline import greeting, outbox
from core.models import DeadLetter
from properties.models import WhatsAppBinding
from testsupport.inbound import whatsapp_text

NUMBER = "770000000001"
NUMBER_2 = "770000000002"


def _guest_says(text: str, wa_id: str = "60155500001", number: str = NUMBER, at: dt.datetime | None = None):
    conversation, message, _ = engine.ingest(
        whatsapp_text(f"+{wa_id}", text, number=number, wamid=f"wamid.{wa_id}.{number}.{text}")
    )
    if at is not None:
        Message.objects.filter(pk=message.pk).update(created_at=at)
    return conversation, message


def _reply(conversation: Conversation, text: str = "Breakfast is from 7 to 10.") -> OutboxItem:
    with transaction.atomic():
        message = Message.objects.create(
            conversation=conversation, role=MessageRole.AI, content=text, channel="whatsapp"
        )
        item = outbox.stage(message, conversation)
    assert item is not None
    return item


def _failed_reply(conversation: Conversation) -> OutboxItem:
    """A reply staged and dispatched once, refused by the fake Graph API; reloaded."""
    item = _reply(conversation)
    assert outbox.dispatch(item.pk) == "failed"
    item.refresh_from_db()
    return item


def dispatch_in_order(message_id: int) -> str:
    """Send what the conversation queued before this message (the "has joined" notice of a staff reply
    goes first: order is kept per conversation), then the message itself; its outcome."""
    item = OutboxItem.objects.get(message_id=message_id)
    earlier = OutboxItem.objects.filter(message__conversation_id=item.message.conversation_id, pk__lt=item.pk)
    for earlier_item in earlier.order_by("pk"):
        outbox.dispatch(earlier_item.pk)
    return outbox.dispatch(item.pk)


@pytest.fixture
def alpha(world, fake_graph):
    WhatsAppBinding.objects.create(property=world.a, phone_number_id=NUMBER, display_phone_number="1")
    with schema_context(world.a.schema_name):
        yield fake_graph


def test_a_reply_is_sent_once_and_its_id_kept(alpha) -> None:
    conversation, _ = _guest_says("breakfast?")
    item = _reply(conversation)
    assert outbox.dispatch(item.pk) == "sent"
    assert outbox.dispatch(item.pk) == "sent"  # a second dispatch sends nothing
    assert len(alpha.sent_messages()) == 1
    item.refresh_from_db()
    assert item.message.provider_message_id == item.provider_ids[0]


def test_a_rate_limit_backs_off_and_is_not_due_before_its_time(alpha) -> None:
    conversation, _ = _guest_says("parking?")
    item = _reply(conversation)
    alpha.fail(status=400, code=130429, path="/messages")
    assert outbox.dispatch(item.pk) == "pending"
    item.refresh_from_db()
    assert item.attempts == 1 and item.next_attempt_at > timezone.now()
    assert outbox.dispatch(item.pk) == "not_due"
    OutboxItem.objects.filter(pk=item.pk).update(next_attempt_at=timezone.now())
    assert outbox.dispatch(item.pk) == "sent"
    assert len(alpha.sent_messages()) == 1


def test_outside_the_window_an_approved_template_goes_instead(alpha) -> None:
    conversation, _ = _guest_says("hello", at=timezone.now() - dt.timedelta(hours=25))
    WhatsAppTemplate.objects.create(name="follow_up", language="en", is_approved=True)
    item = _reply(conversation)
    assert outbox.dispatch(item.pk) == "sent"
    sent = alpha.sent_messages()
    assert [m["type"] for m in sent] == ["template"] and sent[0]["template"]["name"] == "follow_up"


def test_meta_saying_the_window_closed_takes_the_template_path_or_tells_staff(alpha) -> None:
    conversation, _ = _guest_says("hello again", wa_id="60155500002")
    alpha.outside_window.add("60155500002")
    item = _failed_reply(conversation)  # 131047 and no approved template
    assert item.alert == "staff" and "template" in item.last_error
    assert item.message.metadata["delivery"]["state"] == "failed"


def test_an_undeliverable_guest_is_reported_to_staff(alpha) -> None:
    conversation, _ = _guest_says("hi", wa_id="60155500003")
    alpha.undeliverable.add("60155500003")
    item = _failed_reply(conversation)
    assert item.error_code == 131026 and item.alert == "staff"


def test_an_expired_token_alerts_platform_admins_with_a_replayable_dead_letter(alpha) -> None:
    conversation, _ = _guest_says("hi", wa_id="60155500004")
    alpha.expire_token()
    item = _failed_reply(conversation)
    assert item.error_code == 190 and item.alert == "platform_admins"
    with schema_context("public"):
        letter = DeadLetter.objects.get(task_name=task_names.DISPATCH_OUTBOX, args=[item.pk])
    assert letter.kwargs == {"revive": True}
    alpha.reset()  # the token is fixed; the replay sends it
    assert outbox.dispatch(item.pk, revive=True) == "sent"


def test_delivery_statuses_move_forward_and_a_failure_reaches_staff(alpha) -> None:
    conversation, _ = _guest_says("hi", wa_id="60155500005")
    item = _reply(conversation)
    outbox.dispatch(item.pk)
    item.refresh_from_db()
    wamid = item.provider_ids[0]
    outbox.apply_status({"wamid": wamid, "status": "read", "errors": []})
    outbox.apply_status({"wamid": wamid, "status": "delivered", "errors": []})  # late, out of order
    item.refresh_from_db()
    assert item.delivery_state == "read"
    outbox.apply_status({"wamid": wamid, "status": "failed", "errors": [{"code": 131026, "message": "undeliverable"}]})
    item.refresh_from_db()
    assert item.delivery_state == "failed" and item.error_code == 131026 and item.alert == "staff"
    assert Message.objects.get(pk=item.message_id).metadata["delivery"]["error_code"] == 131026


def test_the_greeting_comes_once_per_local_day_and_per_number(alpha) -> None:
    # Kuala Lumpur is UTC+8: 15:59 UTC is 23:59 there, 16:01 UTC is 00:01 the next day.
    before_midnight = dt.datetime(2026, 3, 1, 15, 59, tzinfo=dt.UTC)
    just_after = dt.datetime(2026, 3, 1, 15, 59, 50, tzinfo=dt.UTC)
    next_day = dt.datetime(2026, 3, 1, 16, 1, tzinfo=dt.UTC)
    conversation, message = _guest_says("hi", wa_id="60155500006")
    conversation2, _ = _guest_says("hi", wa_id="60155500006", number=NUMBER_2)

    def greet(conv: Conversation, number: str, now: dt.datetime) -> None:
        greeting.maybe_greet(conv, whatsapp_text("+60155500006", "hi", number=number, wamid="x", at=now), now=now)

    greet(conversation, NUMBER, before_midnight)
    greet(conversation, NUMBER, just_after)
    greet(conversation2, NUMBER_2, just_after)  # another number of the property: its own day
    greet(conversation, NUMBER, next_day)
    greetings = Message.objects.filter(role=MessageRole.SYSTEM, metadata__greeting=True)
    assert greetings.filter(conversation=conversation).count() == 2
    assert greetings.filter(conversation=conversation2).count() == 1
    assert GreetingState.objects.get(contact="+60155500006", thread_id=NUMBER).last_greeted_on == dt.date(2026, 3, 2)


def test_bs_staff_never_see_as_outbox_rows(alpha, world) -> None:
    conversation, _ = _guest_says("hi", wa_id="60155500007")
    item = _reply(conversation, text="Only-For-Alpha")
    item.last_error = "Only-For-Alpha-Error"
    item.save()
    page_a = host_client(world.a, world.manager_a).get("/admin/conversations/outboxitem/")
    page_b = host_client(world.b, world.manager_b).get("/admin/conversations/outboxitem/")
    assert page_a.status_code == 200 and page_b.status_code == 200
    assert b"+60155500007" in page_a.content
    assert b"+60155500007" not in page_b.content
    detail = host_client(world.b, world.manager_b).get(f"/admin/conversations/outboxitem/{item.pk}/change/")
    assert detail.status_code in (302, 404) or b"Only-For-Alpha" not in detail.content


def test_a_staff_reply_the_fake_graph_refuses_shows_as_not_delivered_on_the_staff_page(alpha, world) -> None:
    conversation, _ = _guest_says("can I talk to someone?", wa_id="60155500009")
    reply = handoff.staff_reply(conversation.pk, user_id=world.agent_a.pk, text="Hello, this is the front desk.")
    item = OutboxItem.objects.get(message=reply)
    # What went before the reply (the "… has joined" notice) goes first: the outbox keeps a guest's order.
    for earlier in OutboxItem.objects.filter(message__conversation=conversation, pk__lt=item.pk).order_by("pk"):
        assert outbox.dispatch(earlier.pk) == "sent"
    alpha.undeliverable.add("60155500009")
    assert outbox.dispatch(item.pk) == "failed"
    page = host_client(world.a, world.agent_a).get(f"/conversations/{conversation.pk}/").content.decode()
    shown = page.split(f'data-id="{reply.pk}"', 1)[1].split("</div>", 1)[0]
    assert 'data-delivery="failed">not delivered (131026): This number can&#x27;t receive WhatsApp' in shown


def test_a_malay_guest_s_consent_question_goes_as_reply_buttons_ya_tidak(alpha, open_all_day) -> None:
    from conversations import turns
    from leads.models import RoomRate

    RoomRate.objects.create(name="Deluxe King Room", nightly_rate=320)
    sent = []
    for text in (
        "Saya nak tempah Bilik Deluxe King dari 20 hingga 23 Jun 2027 untuk 2 dewasa",
        "Nama saya Aisha Rahman",
    ):
        conversation, message = _guest_says(text, wa_id="60123456789")
        reply = Message.objects.get(pk=turns.answer(conversation.pk, message.pk))
        assert outbox.dispatch(OutboxItem.objects.get(message=reply).pk) == "sent"
        sent.append(alpha.sent_messages()[-1])
    assert sent[0]["type"] == "text" and "?" in sent[0]["text"]["body"]  # a question, asked in Malay
    assert sent[1]["type"] == "interactive", sent[1]
    interactive = sent[1]["interactive"]
    assert "Sila balas YA atau TIDAK" in interactive["body"]["text"] and "Aisha Rahman" in interactive["body"]["text"]
    assert [b["reply"] for b in interactive["action"]["buttons"]] == [
        {"id": "consent_yes", "title": "YA"},
        {"id": "consent_no", "title": "TIDAK"},
    ]
