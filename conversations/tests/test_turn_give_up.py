"""A guest turn that fails for good: its dead letter, then one honest holding reply in the guest's language on
their own channel, the conversation handed to staff, and nothing left for the beat job's sweep to resend."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.utils import timezone
from django_tenants.utils import schema_context

from conversations import task_names, turns
from conversations.handoff import service as handoff_service
from conversations.models import (
    AiMode,
    Channel,
    Conversation,
    ConversationStatus,
    Guest,
    GuestIdentity,
    Handoff,
    Message,
    MessageRole,
    OutboxItem,
)
from conversations.pipeline import outbox
from conversations.pipeline.tasks import buffered_turn
from core.models import DeadLetter
from properties.models import Property

pytestmark = pytest.mark.django_db

IS_OPEN_AT = Property.is_open_at  # before `pushed` keeps every test in working hours
HOLDING_EN = "Sorry, I can't answer right now. A member of our team will reply to you here as soon as they can."
HOLDING_MS = "Maaf, saya tidak dapat menjawab sekarang. Kakitangan kami akan membalas anda di sini secepat mungkin."


@pytest.fixture
def pushed(monkeypatch) -> list[tuple[str, int, str, dict[str, Any]]]:
    """What reached a widget guest's socket; no outbox dispatch (nothing leaves)."""
    pushed: list[tuple[str, int, str, dict[str, Any]]] = []
    monkeypatch.setattr(handoff_service.realtime, "send_to_guest", lambda *event: pushed.append(event))
    monkeypatch.setattr(outbox, "_dispatch_on_commit", lambda item_id, due: None)
    monkeypatch.setattr(handoff_service, "_schedule_alert", lambda schema, handoff_id, delay: None)
    monkeypatch.setattr(Property, "is_open_at", lambda self, moment: True)  # in working hours, unless a test says
    return pushed


def guest_waits(channel: str, *, language: str = "en", minutes: float = 5) -> tuple[Conversation, Message]:
    at = timezone.now() - dt.timedelta(minutes=minutes)
    guest = Guest.objects.create(language=language)
    if channel != Channel.WEB:
        GuestIdentity.objects.create(guest=guest, channel=channel, external_id="+60117003201")
    conversation = Conversation.objects.create(guest=guest, channel=channel, channel_id="t-32", last_message_at=at)
    message = Message.objects.create(
        conversation=conversation, role=MessageRole.GUEST, channel=channel, content="Is the pool open?", created_at=at
    )
    return conversation, message


def notices_of(conversation: Conversation) -> list[Message]:
    """The holding replies of `conversation` (its metadata is partly encrypted: read in Python)."""
    return [m for m in Message.objects.filter(conversation=conversation) if m.metadata.get("notice") == "turn_failed"]


def fail_every_turn(monkeypatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise KeyError("a session of an older release")  # not transient: no retry, a dead letter at once

    monkeypatch.setattr(turns.engine, "run_turn", broken)


def test_a_widget_turn_that_fails_for_good_tells_the_guest_once_and_hands_the_conversation_to_staff(
    world, pushed, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    fail_every_turn(monkeypatch)
    with schema_context(world.a.schema_name):
        conversation, message = guest_waits(Channel.WEB)
        with django_capture_on_commit_callbacks(execute=True):  # the notice reaches the socket once committed
            assert buffered_turn.apply(args=[conversation.pk, message.pk]).failed()
        with schema_context("public"):
            assert DeadLetter.objects.filter(
                task_name=task_names.BUFFERED_TURN, args=[conversation.pk, message.pk]
            ).exists()
        [notice] = notices_of(conversation)
        assert notice.role == MessageRole.AI and notice.content == HOLDING_EN
        conversation.refresh_from_db()
        assert conversation.status == ConversationStatus.HANDED_OFF and conversation.ai_mode == AiMode.HANDOFF
        episode = Handoff.objects.get(conversation=conversation)
        assert episode.trigger == "turn_failed"
        # Staff read why in words, never an exception's repr ("KeyError: 'a session of an older release'").
        assert (
            episode.reason
            == "The AI could not answer the guest (the assistant ran into an error): please answer them yourself."
        )
        # The notice answered the guest: the sweep has nothing to resend, a second copy's failure says nothing.
        assert turns.resend_stale(time.monotonic() + 10) == 0
        assert buffered_turn.apply(args=[conversation.pk, message.pk]).failed()
        assert turns.give_up(conversation.pk, message.pk, "again") is None
        assert len(notices_of(conversation)) == 1
    assert [(event[1], event[2], event[3]["content"]) for event in pushed] == [(conversation.pk, "message", HOLDING_EN)]


@pytest.mark.parametrize("channel", [Channel.WHATSAPP, Channel.EMAIL])
def test_a_whatsapp_or_email_turn_that_fails_for_good_tells_the_guest_in_malay_through_the_outbox(
    world, pushed, monkeypatch, channel: str
) -> None:
    fail_every_turn(monkeypatch)
    with schema_context(world.a.schema_name):
        conversation, message = guest_waits(channel, language="ms")
        assert buffered_turn.apply(args=[conversation.pk, message.pk]).failed()
        [notice] = notices_of(conversation)
        assert notice.content == HOLDING_MS
        assert OutboxItem.objects.get(message=notice).recipient == "+60117003201"
        assert Handoff.objects.get(conversation=conversation).trigger == "turn_failed"
    assert pushed == []


@pytest.mark.parametrize(
    ("language", "holding"),
    [
        ("en", "Sorry, I can't answer right now. A member of our team will reply to you here on Monday from 9:00 am."),
        (
            "ms",
            "Maaf, saya tidak dapat menjawab sekarang. Kakitangan kami akan membalas anda di sini pada hari Isnin "
            "dari pukul 9:00 pagi.",
        ),
    ],
)
def test_after_hours_the_guest_is_told_when_staff_are_back(world, pushed, monkeypatch, language, holding) -> None:
    """Closed at weekends: on Saturday night staff reply on Monday morning, not "first thing in the morning"."""
    monkeypatch.setattr(Property, "is_open_at", IS_OPEN_AT)  # the property's own hours
    world.a.operating_hours = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    world.a.save(update_fields=["operating_hours"])
    saturday_night = dt.datetime(2026, 11, 28, 14, 0, tzinfo=dt.UTC)  # 22:00 in Kuala Lumpur
    with schema_context(world.a.schema_name):
        conversation, message = guest_waits(Channel.WEB, language=language)
        notice = turns.give_up(conversation.pk, message.pk, "RuntimeError: boom", now=saturday_night)
        assert notice is not None and notice.metadata["notice"] == "turn_failed"
        assert notice.content == holding


def test_nothing_is_said_when_staff_hold_the_conversation_or_the_message_was_answered(world, pushed) -> None:
    with schema_context(world.a.schema_name):
        held, held_message = guest_waits(Channel.WEB)
        Conversation.objects.filter(pk=held.pk).update(ai_mode=AiMode.STAFF)
        assert turns.give_up(held.pk, held_message.pk, "boom") is None
        answered, answered_message = guest_waits(Channel.WEB)
        Message.objects.create(
            conversation=answered,
            role=MessageRole.AI,
            channel=Channel.WEB,
            content="Yes, until 10 pm.",
            metadata={"answers": [answered_message.pk], "reply_to": answered_message.pk},
        )
        assert turns.give_up(answered.pk, answered_message.pk, "boom") is None
        assert not Handoff.objects.filter(conversation__in=[held, answered]).exists()
    assert pushed == []


def test_a_turn_given_up_in_property_b_never_touches_property_a_s_conversation(
    world, pushed, django_capture_on_commit_callbacks
) -> None:
    with schema_context(world.a.schema_name):
        conversation, message = guest_waits(Channel.WEB)
    with schema_context(world.b.schema_name), django_capture_on_commit_callbacks(execute=True):
        assert turns.give_up(conversation.pk, message.pk, "boom") is None  # B's schema: A's ids mean nothing
    with schema_context(world.a.schema_name):
        assert Message.objects.filter(conversation=conversation).count() == 1
        assert not Handoff.objects.filter(conversation=conversation).exists()
        with django_capture_on_commit_callbacks(execute=True):
            assert turns.give_up(conversation.pk, message.pk, "boom") is not None  # A's own failure tells them
    assert [event[0] for event in pushed] == [world.a.schema_name]


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (SoftTimeLimitExceeded(), "the assistant took too long to answer"),
        (TimeLimitExceeded(60), "the assistant took too long to answer"),
        (ConnectionError("refused"), "a service the assistant needs was unavailable"),
        (KeyError("x"), "the assistant ran into an error"),
    ],
)
def test_a_failed_turn_is_told_to_staff_in_words(exc: BaseException, words: str) -> None:
    assert turns.failure_in_words(exc) == words
