"""Handoff, takeover and resolve through the engine and the services, on the real database and Redis."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from conversations import engine, handoff, sessions
from conversations.handoff.service import FULL_HISTORY
from conversations.models import AiMode, ConversationStatus, Handoff, Message, MessageRole
from testsupport.inbound import say

pytestmark = pytest.mark.django_db


def start(text: str):
    conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
    return conversation, say(conversation, text, "1")


def events(conversation, name: str) -> list[Message]:
    return list(conversation.messages.filter(role=MessageRole.SYSTEM, metadata__event=name))


def test_a_guest_asking_for_a_human_starts_one_episode_with_its_context_and_tells_the_guest(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, reply = start("What time is breakfast?")
        reply = say(conversation, "I want to speak to a real person please", "2")
        assert FULL_HISTORY["en"] in reply.content  # told a person continues with the whole story
        conversation.refresh_from_db()
        assert conversation.status == ConversationStatus.HANDED_OFF and conversation.ai_mode == AiMode.HANDOFF
        [episode] = Handoff.objects.filter(conversation=conversation)
        assert episode.trigger == "human_request"
        ctx = episode.context
        assert ctx["channel"] == "web" and ctx["guest"]["id"] == conversation.guest_id
        assert [m["role"] for m in ctx["last_messages"]] == ["guest", "ai", "guest", "ai"]
        assert "breakfast" in ctx["summary"].lower() and ctx["intent"] == "general"
        [event] = events(conversation, "handoff")
        assert event.metadata["trigger"] == "human_request" and event.metadata["reason"]

        # Asking again while waiting is the same episode: no second alert, no second analytics event.
        say(conversation, "Hello?? a human please", "3")
        assert Handoff.objects.filter(conversation=conversation).count() == 1
        assert len(events(conversation, "handoff")) == 1


def test_a_complaint_hands_off_with_its_own_trigger_in_malay(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, reply = start("Bilik saya sangat kotor, saya kecewa")
        assert FULL_HISTORY["ms"] in reply.content
        assert Handoff.objects.get(conversation=conversation).trigger == "complaint"


def test_while_staff_hold_the_conversation_the_ai_never_answers_and_after_resolve_it_does(
    kb_a, open_all_day, manager_a
) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, _ = start("Can I talk to the manager?")
        handoff.take_over(conversation.pk, user_id=manager_a.pk)
        staff = handoff.staff_reply(conversation.pk, user_id=manager_a.pk, text="Hello, this is Farah from the desk.")
        assert staff.role == MessageRole.STAFF and staff.sent_by_user_id == manager_a.pk

        assert say(conversation, "What time is breakfast?", "2") is None
        assert not conversation.messages.filter(role=MessageRole.AI, metadata__reply_to__isnull=False).filter(
            metadata__answers__contains=[conversation.messages.filter(role=MessageRole.GUEST).last().pk]
        )
        [takeover] = events(conversation, "takeover")
        assert takeover.metadata["user_id"] == manager_a.pk

        handoff.resolve(conversation.pk, user_id=manager_a.pk)
        conversation.refresh_from_db()
        assert conversation.status == ConversationStatus.ACTIVE and conversation.ai_mode == AiMode.CONCIERGE
        assert sessions.load(conversation).mode == AiMode.CONCIERGE
        assert len(events(conversation, "resolved")) == 1
        reply = say(conversation, "What time is breakfast served?", "3")
        assert reply is not None and "6:30 am to 10:30 am" in reply.content
        conversation.refresh_from_db()
        assert conversation.status == ConversationStatus.ACTIVE  # not passed straight back to staff
        assert len(events(conversation, "handoff")) == 1


def test_a_staff_reply_to_a_conversation_the_ai_holds_takes_it_over_first(kb_a, open_all_day, agent_a) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, _ = start("What time is breakfast?")
        handoff.staff_reply(conversation.pk, user_id=agent_a.pk, text="Hi! Breakfast is from 6:30.")
        conversation.refresh_from_db()
        assert conversation.ai_mode == AiMode.STAFF
        assert [e.metadata["event"] for e in conversation.messages.filter(role=MessageRole.SYSTEM)] == [
            "handoff",
            "takeover",
        ]
        with pytest.raises(handoff.HandoffError):
            handoff.staff_reply(conversation.pk, user_id=agent_a.pk, text="   ")


def test_resolving_a_conversation_nobody_holds_is_refused(kb_a, open_all_day, agent_a) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, _ = start("What time is breakfast?")
        with pytest.raises(handoff.HandoffError):
            handoff.resolve(conversation.pk, user_id=agent_a.pk)
        assert not events(conversation, "resolved")


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", STAFF_URL_TEMPLATE="http://{host}")
def test_the_alert_email_goes_once_and_only_while_nobody_has_taken_over(
    kb_a, open_all_day, agent_a, monkeypatch
) -> None:
    # The Property object is shared by the whole session: change it through monkeypatch so it is
    # put back (the database change is rolled back with the test's transaction).
    monkeypatch.setattr(kb_a.a, "notification_email", "frontdesk@alpha.example")
    kb_a.a.save(update_fields=["notification_email"])
    with schema_context(kb_a.a.schema_name):
        waiting, _ = start("I need a human, my key card is broken")
        episode = Handoff.objects.get(conversation=waiting)
        Handoff.objects.filter(pk=episode.pk).update(created_at=timezone.now() - dt.timedelta(minutes=12))
        assert handoff.send_alert_if_untaken(episode.pk) is True
        assert handoff.send_alert_if_untaken(episode.pk) is False  # a redelivered task sends nothing
        [sent] = mail.outbox
        assert sent.to == ["frontdesk@alpha.example"] and "waiting for a person" in sent.subject
        assert "key card is broken" in sent.body
        # Read on a phone: a link to the conversation, and the wait in words.
        assert f"Take over: http://alpha.localhost/conversations/{waiting.pk}/" in sent.body
        assert "minute(s)" not in sent.body and "waiting for a person for 12 min at Alpha Hotel" in sent.body
        assert "Guest: unnamed (Web chat)" in sent.body  # the channel in words, not "web"

        taken, _ = start("Can I speak to someone?")
        handoff.take_over(taken.pk, user_id=agent_a.pk)
        assert handoff.send_alert_if_untaken(Handoff.objects.get(conversation=taken).pk) is False
        assert len(mail.outbox) == 1


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_the_alert_names_a_guest_who_gave_their_name_only_in_the_lead(kb_a, open_all_day, monkeypatch) -> None:
    monkeypatch.setattr(kb_a.a, "notification_email", "frontdesk@alpha.example")
    kb_a.a.save(update_fields=["notification_email"])
    with schema_context(kb_a.a.schema_name):
        conversation, _ = start("I need a human please")
        episode = Handoff.objects.get(conversation=conversation)
        context = {**episode.context, "lead": {"fields": {"name": "Siti Rahman"}}}
        Handoff.objects.filter(pk=episode.pk).update(
            context=context, created_at=timezone.now() - dt.timedelta(minutes=11)
        )
        assert handoff.send_alert_if_untaken(episode.pk) is True
        [sent] = mail.outbox
        assert "Guest: Siti Rahman (Web chat)" in sent.body, sent.body


def test_an_answer_being_written_when_staff_take_over_is_never_stored(kb_a, open_all_day, agent_a) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, _ = start("What time is breakfast?")
        message, _ = engine.record_guest_message(conversation, "And the pool?", provider_message_id="x:2")
        taken: list = []

        def take_over_mid_stream(piece: str) -> None:
            if not taken:  # staff click "take over" while the AI is still streaming its answer
                taken.append(handoff.take_over(conversation.pk, user_id=agent_a.pk))

        sink = engine.TurnSink(on_token=take_over_mid_stream)
        assert engine.run_turn(conversation.pk, message.pk, sink=sink) is None
        assert taken and not conversation.messages.filter(role=MessageRole.AI, metadata__reply_to=message.pk)
        conversation.refresh_from_db()
        assert conversation.ai_mode == AiMode.STAFF
