"""The engine on the real database and Redis: grounded offline answers, languages, modes, sessions."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from assistant import modes
from assistant.modes import HOW_CAN_I_HELP
from assistant.providers.offline import TEMPLATES
from conversations import engine, sessions
from conversations.models import AiMode, ConversationStatus, Message, MessageRole, SessionState
from core.redis import get_redis, key
from testsupport.inbound import say
from testsupport.llm import echo_knowledge

pytestmark = pytest.mark.django_db


def start(world, text: str, client_id: str = "1"):
    conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
    message, _ = engine.record_guest_message(conversation, text, provider_message_id=f"{conversation.pk}:{client_id}")
    return conversation, message


def test_the_offline_provider_answers_from_the_knowledge_base_in_english(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, "What time is breakfast served?")
        reply = engine.run_turn(conversation.pk, message.pk)
        assert reply is not None and reply.role == MessageRole.AI
        assert "6:30 am to 10:30 am" in reply.content
        assert reply.metadata["provider"] == "offline"
        assert reply.metadata["language"] == "en"
        assert "Breakfast at Melati Café" in [k["title"] for k in reply.metadata["knowledge"]]
        assert reply.metadata["confidence"] > 0.5
        assert set(reply.metadata["latency_ms"]) == {
            "session",
            "mode",
            "retrieval",
            "provider",
            "lead",
            "persistence",
            "total",
        }
        conversation.refresh_from_db()
        assert conversation.message_count == 2 and conversation.average_ai_confidence == reply.metadata["confidence"]


def test_a_malay_question_gets_a_malay_reply_with_the_facts(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, "Pukul berapa kolam renang dibuka?")
        reply = engine.run_turn(conversation.pk, message.pk)
        assert reply.metadata["language"] == "ms"
        assert reply.content.startswith("Berikut maklumat yang saya ada:")
        assert "7:00 am to 10:00 pm" in reply.content
        conversation.guest.refresh_from_db()
        assert conversation.guest.language == "ms"


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Do you have a casino?", "en"),
        ("Ada kasino di hotel ini?", "ms"),
        ("Can I land my helicopter on the roof?", "en"),
    ],
)
def test_off_knowledge_questions_get_no_invented_facts_from_the_offline_provider(
    kb_a, open_all_day, question: str, language: str
) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, question)
        reply = engine.run_turn(conversation.pk, message.pk)
        # Exactly the "the team will confirm" template: not a word taken from anywhere else.
        assert reply.content == TEMPLATES[language]["unknown"]
        assert reply.metadata["knowledge"] == [] and reply.metadata["confidence"] == 0.0
        assert not any(ch.isdigit() for ch in reply.content)


def test_booking_intent_switches_to_lead_capture_and_a_human_request_to_handoff(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, "How much is a Deluxe King room for 12/12 to 14/12?")
        reply = engine.run_turn(conversation.pk, message.pk)
        assert reply.metadata["mode"] == AiMode.LEAD_CAPTURE
        # The answer, then exactly one question: the lead step's next missing detail (the party: the dates
        # and the room were given), not a form, and no contact asked for yet.
        questions = [line for line in reply.content.splitlines() if line.rstrip().endswith("?")]
        assert questions == ["How many adults (and children) will stay?"], reply.content
        assert reply.content.count("?") == 1 and "phone" not in reply.content, reply.content
        reply = say(conversation, "We are 2 adults, from 12 December to 14 December. I'm Aisyah, 012-345 6789", "3")
        lead = SessionState.objects.get(conversation=conversation).lead["slots"]
        assert lead["adults"] == 2 and lead["check_in"].endswith("-12-12") and lead["phone"] == "+60123456789"
        reply = say(conversation, "I want to talk to a real person please", "4")
        assert reply.metadata["mode"] == AiMode.HANDOFF
        conversation.refresh_from_db()
        assert conversation.status == ConversationStatus.HANDED_OFF and conversation.ai_mode == AiMode.HANDOFF


def test_after_hours_flags_the_conversation_and_promises_a_follow_up_at_the_opening(kb_a) -> None:
    night = dt.datetime(2026, 11, 23, 16, 30, tzinfo=dt.UTC)  # Tuesday 00:30 in Kuala Lumpur; default hours 09–18
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, "Is there parking?")
        reply = engine.run_turn(conversation.pk, message.pk, now=night)
        assert reply.content.endswith("Our team is offline right now and will follow up with you at 9:00 am today.")
        assert "RM 15 per night" in reply.content
        conversation.refresh_from_db()
        assert conversation.is_after_hours is True
        assert reply.metadata["after_hours"] is True


def test_the_after_hours_note_is_said_once_and_a_person_promised_is_told_the_opening(kb_a) -> None:
    night = dt.datetime(2026, 11, 23, 16, 30, tzinfo=dt.UTC)  # Tuesday 00:30 in Kuala Lumpur; default hours 09–18
    note = engine.AFTER_HOURS_NOTE["en"].format(back="at 9:00 am today")
    later = night + dt.timedelta(hours=18, minutes=30)  # 19:00 that evening: "from 9:00 am tomorrow", still once
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, "Is there parking?")
        assert engine.run_turn(conversation.pk, message.pk, now=night).content.endswith(note)
        second, _ = engine.record_guest_message(conversation, "Is there a gym?", provider_message_id="night:2")
        reply = engine.run_turn(conversation.pk, second.pk, now=later)
        assert "offline" not in reply.content and reply.metadata["after_hours"] is True, reply.content
        third, _ = engine.record_guest_message(conversation, "Can I talk to a person?", provider_message_id="night:3")
        reply = engine.run_turn(conversation.pk, third.pk, now=night)
        # A person promised says when in its own words (the opening), not the note a second time beside it.
        assert reply.metadata["mode"] == AiMode.HANDOFF and note not in reply.content, reply.content
        assert "will reply here at 9:00 am today." in reply.content and "as soon as" not in reply.content, reply.content


def test_a_turn_is_answered_once_even_if_its_task_runs_twice(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, "Is there a gym?")
        first = engine.run_turn(conversation.pk, message.pk)
        assert first is not None
        assert engine.run_turn(conversation.pk, message.pk) is None
        assert conversation.messages.filter(role=MessageRole.AI).count() == 1


def test_messages_sent_together_get_one_reply(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, first = start(kb_a, "Hi!")
        second, _ = engine.record_guest_message(
            conversation, "What time is check-out?", provider_message_id=f"{conversation.pk}:2"
        )
        assert engine.run_turn(conversation.pk, first.pk) is None  # the newer message's turn answers both
        reply = engine.run_turn(conversation.pk, second.pk)
        assert reply.metadata["answers"] == [first.pk, second.pk]
        assert "12:00 noon" in reply.content


def test_a_message_committed_after_a_newer_reply_was_written_is_still_answered(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, first = start(kb_a, "Hi!")
        # The race: the second message got its id first, but its transaction committed after the turn
        # for the first had read the pending messages and written its reply (a bigger id).
        late, _ = engine.record_guest_message(
            conversation, "Is there a gym?", provider_message_id=f"{conversation.pk}:2"
        )
        reply = engine.run_turn(conversation.pk, first.pk)
        assert reply is None  # as things stand the late one is visible: simulate the reply that missed it
        Message.objects.create(
            conversation=conversation,
            role=MessageRole.AI,
            content="Hello!",
            channel=conversation.channel,
            metadata={"reply_to": first.pk, "answers": [first.pk]},
        )
        answer = engine.run_turn(conversation.pk, late.pk)
        assert answer is not None and answer.metadata["answers"] == [late.pk]
        assert engine.run_turn(conversation.pk, late.pk) is None  # and only once


def test_the_pending_messages_are_read_in_one_statement_past_replies_of_every_kind(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, first = start(kb_a, "Hi!")

        def add(role: str, metadata: dict, text: str = "…") -> Message:
            return Message.objects.create(
                conversation=conversation, role=role, content=text, channel=conversation.channel, metadata=metadata
            )

        # Listed as answered (out of id order), then a staff reply and a notice that list nothing: the floor.
        late = add(MessageRole.GUEST, {}, "Is there a gym?")
        add(MessageRole.AI, {"reply_to": first.pk, "answers": [first.pk]})
        add(MessageRole.AI, {"reply_to": late.pk, "answers": [late.pk]})
        before_staff = add(MessageRole.GUEST, {}, "Still there?")
        add(MessageRole.STAFF, {})
        after_staff = add(MessageRole.GUEST, {}, "Thanks. And breakfast?")
        add(MessageRole.SYSTEM, {})  # a system line answers nothing
        add(MessageRole.AI, {"answers": []})  # a notice listing no answers: the new floor
        after_notice = add(MessageRole.GUEST, {}, "Parking?")
        newest = add(MessageRole.GUEST, {}, "And late check-out?")

        with CaptureQueriesContext(connection) as queries:
            pending = engine._unanswered_guest_messages(conversation, replied_to=newest.pk)
        assert [m.pk for m in pending] == [after_notice.pk, newest.pk]
        assert [m.content for m in pending] == ["Parking?", "And late check-out?"]  # decrypted as read
        assert len([q for q in queries if not q["sql"].startswith("SET ")]) == 1
        assert before_staff.pk < after_staff.pk < after_notice.pk

        add(MessageRole.AI, {"reply_to": newest.pk, "answers": [after_notice.pk, newest.pk]})
        assert engine._unanswered_guest_messages(conversation, replied_to=newest.pk) == []  # a redelivered turn
        again = add(MessageRole.GUEST, {}, "One more thing")
        assert [m.pk for m in engine._unanswered_guest_messages(conversation, replied_to=newest.pk)] == []
        assert [m.pk for m in engine._unanswered_guest_messages(conversation, replied_to=again.pk)] == [again.pk]


def test_staff_holding_a_conversation_silences_the_ai(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, "Is there a gym?")
        conversation.ai_mode = AiMode.STAFF
        conversation.save(update_fields=["ai_mode"])
        assert engine.run_turn(conversation.pk, message.pk) is None
        assert not Message.objects.filter(conversation=conversation, role=MessageRole.AI).exists()


def test_a_redis_flush_mid_conversation_loses_no_history(kb_a, open_all_day, llm_settings, fake_openai) -> None:
    fake_openai.default = echo_knowledge()
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, "What time is breakfast? My name is Aisyah.")
        first = engine.run_turn(conversation.pk, message.pk)
        assert first.metadata["provider"] == "openai"
        assert sessions.load(conversation).source == "redis"

        get_redis().flushdb()  # only this test run's Redis database (REDIS_URL's index)

        reply = say(conversation, "And is the pool heated?", "2")
        assert reply.metadata["session_source"] == "database"
        # The second prompt still carries the first exchange: the history came back from PostgreSQL.
        prompt = fake_openai.requests[-1].json["messages"]
        assert prompt[1] == {"role": "user", "content": "What time is breakfast? My name is Aisyah."}
        assert prompt[2]["role"] == "assistant" and prompt[2]["content"] == first.content
        state = SessionState.objects.get(conversation=conversation)
        assert [m["role"] for m in state.history] == ["guest", "ai", "guest", "ai"]
        assert sessions.load(conversation).source == "redis"  # and the cache is warm again


def test_a_conversation_without_a_session_row_rebuilds_it_from_its_messages(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, "Is there a gym?")
        engine.run_turn(conversation.pk, message.pk)
        SessionState.objects.filter(conversation=conversation).delete()
        sessions.forget(conversation.pk)
        session = sessions.load(conversation)
        assert session.source == "messages"
        assert [m["content"] for m in session.history][0] == "Is there a gym?"


@pytest.mark.parametrize(
    "cached",
    [
        json.dumps({"history": [], "shape": "v0"}),  # another release's shape: an unknown field
        json.dumps(["not", "a", "session"]),
        json.dumps({"conversation_id": 0, "history": "a string"}),  # fields of the wrong kind
        "gAAAAAB-a-token-under-a-retired-key",  # encrypted under a key no longer configured
        b"\xff\xfe not utf-8",
    ],
    ids=["other-shape", "not-a-mapping", "wrong-kinds", "retired-key", "bytes"],
)
def test_an_unreadable_cached_session_is_rebuilt_from_the_database_not_failing_the_turn(
    kb_a, open_all_day, cached: str | bytes
) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, "Is there a gym?")
        engine.run_turn(conversation.pk, message.pk)
        get_redis().set(sessions.redis_key(conversation.pk), cached, ex=600)
        session = sessions.load(conversation)
        assert session.source == "database"
        assert [m["content"] for m in session.history][0] == "Is there a gym?"
        reply = say(conversation, "And is the pool heated?", "2")
        assert reply is not None and reply.metadata["session_source"] == "database"
        assert sessions.load(conversation).source == "redis"  # the turn wrote a readable copy back


def test_a_non_streaming_channel_gets_its_reply_through_the_outbox(kb_a, open_all_day) -> None:
    from conversations.models import OutboxItem
    from conversations.pipeline.tasks import buffered_turn
    from messaging.base import NormalizedMessage

    with schema_context(kb_a.a.schema_name):
        inbound = NormalizedMessage(
            channel="email",
            property_schema="alpha",
            sender_id="guest@example.com",
            text="Is there a gym?",
            provider_message_id="<m1@example.com>",
            timestamp=dt.datetime.now(dt.UTC),
            thread_id="t-1",
        )
        conversation, message, created = engine.ingest(inbound)
        assert created and engine.ingest(inbound)[2] is False  # a redelivery is stored once
        reply_id = buffered_turn.run(conversation.pk, message.pk)  # the task body, in this schema
        assert "24 hours" in Message.objects.get(pk=reply_id).content
        # The e-mail channel's delivery: an outbox row written in the turn's own transaction.
        assert OutboxItem.objects.get(message_id=reply_id).recipient == "guest@example.com"
        assert buffered_turn.run(conversation.pk, message.pk) is None  # a redelivered turn answers once


def test_two_unanswerable_questions_in_a_row_hand_the_guest_to_staff(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, "Do you have a casino?")
        first = engine.run_turn(conversation.pk, message.pk)
        second = say(conversation, "Can I land my helicopter on the roof?", "2")
        assert (first.metadata["mode"], second.metadata["mode"]) == (AiMode.CONCIERGE, AiMode.CONCIERGE)
        third = say(conversation, "Is there a bowling alley?", "3")
        assert third.metadata["mode"] == AiMode.HANDOFF
        assert TEMPLATES["en"]["handoff"] in third.content
        conversation.refresh_from_db()
        assert conversation.status == ConversationStatus.HANDED_OFF


def test_a_busy_conversation_makes_a_channel_turn_give_way_quickly(kb_a, open_all_day) -> None:
    # A worker killed mid-turn leaves the conversation's lock for TURN_LOCK_TIMEOUT. Found by `make chaos`:
    # a channel turn that waited that long held a worker process past the soft time limit; it must give
    # way quickly (LockError, which buffered_turn retries with back-off) and answer once the lock is gone.
    import time

    from django.conf import settings
    from django.db import connection
    from redis.exceptions import LockError

    from conversations.turns import TURN_LOCK_WAIT

    assert TURN_LOCK_WAIT < settings.CELERY_TASK_SOFT_TIME_LIMIT
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, "Is there a gym?")
        stale = get_redis().lock(key(connection.schema_name, "turn", conversation.pk), timeout=30)
        assert stale.acquire(blocking=False)
        try:
            started = time.monotonic()
            with pytest.raises(LockError):
                engine.run_turn(conversation.pk, message.pk, lock_wait=0.3)
            assert time.monotonic() - started < 5
        finally:
            stale.release()
        assert engine.run_turn(conversation.pk, message.pk, lock_wait=0.3) is not None


@pytest.mark.parametrize(
    "updates",
    [
        {"ai_mode": AiMode.CONCIERGE, "last_message_at": dt.datetime(2026, 12, 6, 3, 0, tzinfo=dt.UTC)},
        {
            "ai_mode": AiMode.HANDOFF,
            "last_message_at": dt.datetime(2026, 12, 6, 3, 0, tzinfo=dt.UTC),
            "is_after_hours": True,
            "status": ConversationStatus.HANDED_OFF,
        },
    ],
)
def test_the_turns_conversation_update_is_the_statement_the_orm_writes(world, updates) -> None:
    # The statistics' SQL is compiled once per process and the turn's fields spliced in (engine._update_conversation).
    with schema_context(world.a.schema_name):
        conversation, _ = start(world, "Is there a gym?")
        with CaptureQueriesContext(connection) as ours:
            engine._update_conversation(conversation.pk, dict(updates))
        with CaptureQueriesContext(connection) as orm:
            type(conversation).objects.filter(pk=conversation.pk).update(**updates, **engine._stats_from_messages())
        assert [q["sql"] for q in ours.captured_queries] == [q["sql"] for q in orm.captured_queries]
        conversation.refresh_from_db()
        assert conversation.message_count == 1 and conversation.status == updates.get("status", conversation.status)


def _questions(text: str) -> list[str]:
    return [line for line in re.split(r"(?<=[.!?])\s+|\n+", text) if line.rstrip().endswith("?")]


@pytest.mark.parametrize(
    ("text", "language", "first_question"),
    [
        ("Saya nak tempah bilik", "ms", "Tarikh daftar masuk yang anda mahu?"),
        ("nak book bilik", "ms", "Tarikh daftar masuk yang anda mahu?"),
        ("Saya mahu buat tempahan bilik", "ms", "Tarikh daftar masuk yang anda mahu?"),
        ("I'd like to reserve a room", "en", "Which date would you like to check in?"),
        ("We want to make a booking", "en", "Which date would you like to check in?"),
        ("can I book for next week", "en", "How many nights will you stay?"),
    ],
)
def test_a_guest_asking_to_book_is_taken_into_the_booking_in_their_language(
    kb_a, open_all_day, text: str, language: str, first_question: str
) -> None:
    """Asked to book, the receptionist takes the booking on and asks the first missing detail: no knowledge item
    ("tempahan" is also the cancellation policy's word) and nothing in another language."""
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, text)
        reply = engine.run_turn(conversation.pk, message.pk)
        assert reply.metadata["mode"] == AiMode.LEAD_CAPTURE
        assert _questions(reply.content) == [first_question], reply.content
        assert reply.metadata["knowledge"] == [] if "knowledge" in reply.metadata else True
        assert "cancel" not in reply.content.lower() and '"' not in reply.content, reply.content
        lead = SessionState.objects.get(conversation=conversation).lead
        assert lead["lead_id"] is not None


@pytest.mark.parametrize(
    "text",
    [
        "Is breakfast included?",
        "is parking included",
        "Is breakfast included in the room rate?",
        "Harga bilik termasuk sarapan ke?",
        "ada sarapan tak",
        "How much is the room rate?",
    ],
)
def test_a_question_about_a_room_or_its_rate_is_answered_and_starts_no_booking(kb_a, open_all_day, text: str) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, text)
        reply = engine.run_turn(conversation.pk, message.pk)
        assert not any(re.search(r"check in|daftar masuk|how many|berapa", q, re.I) for q in _questions(reply.content))
        lead = SessionState.objects.get(conversation=conversation).lead
        assert not (lead or {}).get("lead_id"), lead


def test_an_answer_that_asks_its_own_question_mid_booking_asks_nothing_else(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, "I'd like to book a room from 14 to 16 November 2027")
        reply = engine.run_turn(conversation.pk, message.pk)
        assert _questions(reply.content) == ["How many adults (and children) will stay?"], reply.content
        reply = say(conversation, "Do you have a helipad?", "2")
        assert reply.content == TEMPLATES["en"]["unknown"]  # one question: shall I connect you with staff?
        reply = say(conversation, "2 adults", "3")
        assert len(_questions(reply.content)) == 1, reply.content
        lead = SessionState.objects.get(conversation=conversation).lead["slots"]
        assert lead["adults"] == 2 and lead["check_in"] == "2027-11-14"


@pytest.mark.parametrize(
    ("text", "language"),
    [("How much is the Family Suite?", "en"), ("Family Suite berapa semalam?", "ms")],
)
def test_a_rooms_price_asked_alone_is_answered_with_one_invitation_then_booked_with_that_room(
    kb_a, open_all_day, text: str, language: str
) -> None:
    """The rate (or that the team confirms it for the dates) and one invitation; no detail collected, no knowledge
    line of the room's page ("Baby cots are available free of charge"). Then asked to book, the room is kept."""
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, text)
        reply = engine.run_turn(conversation.pk, message.pk)
        assert "Family Suite" in reply.content and "cot" not in reply.content.lower(), reply.content
        assert len(_questions(reply.content)) == 1, reply.content
        assert not (SessionState.objects.get(conversation=conversation).lead or {}).get("lead_id")
        again = "ok book it for 2 nights from 5 May 2027" if language == "en" else "ok tempah 2 malam dari 5 Mei 2027"
        say(conversation, again, "2")
        lead = SessionState.objects.get(conversation=conversation).lead["slots"]
        assert (lead["room_type"], lead["nights"], lead["check_in"]) == ("Family Suite", 2, "2027-05-05"), lead


@pytest.mark.parametrize("text", ["can I book a massage for tomorrow", "nak book spa esok"])
def test_a_service_booked_is_no_room_enquiry(kb_a, open_all_day, text: str) -> None:
    """A spa or a massage booked is passed to staff as a request: no date of stay, party or room is asked for."""
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, text)
        reply = engine.run_turn(conversation.pk, message.pk)
        assert not any(
            re.search(r"check in|daftar masuk|how many|berapa|room type|jenis bilik", q, re.I)
            for q in _questions(reply.content)
        ), reply.content
        assert re.search(r"phone|telefon", reply.content), reply.content


# A bare greeting → the language of the reply and how it opens (a salam is returned in kind).
GREETINGS = {"hi": "en Hello", "Hello!": "en Hello", "salam": "ms Hai", "Assalamualaikum": "ms Waalaikumsalam",
             "hai": "ms Hai", "selamat pagi": "ms Hai", "": "en Hello"}  # fmt: skip


@pytest.mark.parametrize("text", GREETINGS)
def test_a_bare_greeting_is_greeted_back_and_asked_how_we_can_help(kb_a, open_all_day, text: str) -> None:
    """Not "I don't have confirmed information about that… connect you with staff?", nor a gap to fill."""
    from gaps.models import GapQuestion

    language, opening = GREETINGS[text].split()

    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, text)
        reply = engine.run_turn(conversation.pk, message.pk)
        assert reply.content.startswith(opening) and kb_a.a.name in reply.content
        assert reply.content.endswith("?") and "staff" not in reply.content and "kakitangan" not in reply.content
        assert reply.metadata["language"] == language and reply.metadata["knowledge"] == []
        assert reply.metadata["mode"] == AiMode.CONCIERGE
        assert not GapQuestion.objects.exists()
        conversation.refresh_from_db()
        assert conversation.status != ConversationStatus.HANDED_OFF


@pytest.mark.parametrize("language", ["en", "ms"])
def test_a_message_without_a_word_is_asked_what_we_can_do_never_handed_over_for_it(
    kb_a, open_all_day, language
) -> None:
    """ "👍", "??", emoji or a zero-width space: once "I don't have confirmed information… connect you with staff?",
    and two of them in a row handed the guest to staff (a night receptionist alerted for a thumbs-up) and opened a
    gap for the GM to fill."""
    from gaps.models import GapQuestion

    question = "what time is breakfast served?" if language == "en" else "pukul berapa sarapan?"
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, question)
        engine.run_turn(conversation.pk, message.pk)
        replies = [say(conversation, text, n) for n, text in enumerate(["👍", "??", "\u200b\u200d", "🙏🏨❓"], 2)]
        expected = HOW_CAN_I_HELP[language]
        assert [r.content for r in replies] == [expected] * 4
        assert all(r.metadata["knowledge"] == [] and r.metadata["mode"] == AiMode.CONCIERGE for r in replies)
        assert all(r.metadata["confidence"] is None for r in replies)  # staff saw "confidence 0.00" beside each
        conversation.refresh_from_db()
        assert conversation.status != ConversationStatus.HANDED_OFF
        assert not GapQuestion.objects.exists()
        first, _ = start(kb_a, "😀", client_id="9")  # as the first message: greeted, as "hi" is
        assert engine.run_turn(first.pk, _.pk).content.startswith("Hello, and welcome to")


def test_a_message_without_a_word_in_the_middle_of_an_enquiry_is_asked_the_enquiry_s_question_again(
    kb_a, open_all_day
) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, "I'd like to book a room from 20 to 23 May 2027 for 2 adults")
        engine.run_turn(conversation.pk, message.pk)
        asked = say(conversation, "deluxe", 2).content
        assert "phone number or e-mail" in asked, asked
        again = say(conversation, "??", 3).content
        assert "phone number or e-mail" in again and "confirmed information" not in again, again
    consent = "Thank you.\n\nRequest: Room booking\n\nShall I pass these details on? Please reply YES or NO."
    assert (
        modes.nod_reply([{"role": "ai", "content": consent}], "en")
        == "Shall I pass these details on? Please reply YES or NO."
    )


@pytest.mark.parametrize(
    ("asks", "again", "language"),
    [("can I talk to a person?", "hello? is anyone there?", "en"), ("nak cakap dengan staf", "ada orang tak?", "ms")],
)
def test_a_guest_writing_again_while_waiting_for_a_person_is_not_passed_on_again(
    kb_a, open_all_day, asks, again, language
) -> None:
    """Each message while waiting once said "I'm passing your conversation to a member of our team now"."""
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, asks)
        first = engine.run_turn(conversation.pk, message.pk).content
        assert first.startswith(TEMPLATES[language]["handoff"]), first
        replies = [say(conversation, again, n).content for n in (2, 3)]
        assert not any(TEMPLATES[language]["handoff"] in r for r in replies), replies
        assert all(r.startswith(TEMPLATES[language]["handoff_waiting"]) for r in replies), replies


def test_a_greeting_with_a_question_is_answered_as_the_question(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, "hi, what time is breakfast served?")
        reply = engine.run_turn(conversation.pk, message.pk)
        assert "6:30 am to 10:30 am" in reply.content and "welcome" not in reply.content


def test_a_message_longer_than_a_turn_reads_goes_to_staff_unread_and_is_kept_whole(kb_a, open_all_day) -> None:
    """A 2 MB e-mail went to the model whole and died on the task's time limit; staff read an exception's repr."""
    from conversations.models import Handoff

    text = "Please see my requirements below for the wedding. " * (engine.MAX_TURN_CHARS // 40)
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, text)
        reply = engine.run_turn(conversation.pk, message.pk)
        assert reply.content.startswith("Thank you for your message. It is longer than I can read")
        assert reply.metadata["knowledge"] == [] and reply.metadata["provider"] == "too_long"
        episode = Handoff.objects.get(conversation=conversation)
        assert episode.trigger == "too_long"
        assert (
            episode.reason == "The guest's message was too long for the assistant to read: please answer it yourself."
        )
        message.refresh_from_db()
        assert message.content == text  # what the door accepted is kept for staff to read
        assert all(len(turn["content"]) <= engine.MAX_TURN_CHARS for turn in sessions.load(conversation).history)


def test_a_guest_the_channel_just_welcomed_is_only_asked_how_we_can_help(kb_a, open_all_day) -> None:
    """WhatsApp's greeting of the day ("Hello and welcome!") went out before the answer: not welcomed twice."""
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, "hi")
        Message.objects.post(conversation, MessageRole.SYSTEM, "Hello and welcome!", metadata={"greeting": True})
        assert engine.run_turn(conversation.pk, message.pk).content == "How can I help you today?"


def test_the_turns_session_and_guest_language_go_in_the_replys_insert(kb_a, open_all_day) -> None:
    """What needs no reply row (the session's write-through, the guest's new language) is written by the reply's own
    statement: one round trip after the conversation's lock, not three, and each row as the separate writes left it."""
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, "Pukul berapa kolam renang dibuka?")  # an English guest asks in Malay
        assert conversation.guest.language == "en"
        with CaptureQueriesContext(connection) as queries:
            reply = engine.run_turn(conversation.pk, message.pk)
        sql = [q["sql"] for q in queries.captured_queries]
        locked = next(i for i, text in enumerate(sql) if text.rstrip().endswith("FOR UPDATE"))
        writes = [text for text in sql[locked + 1 :] if not text.startswith(("SAVEPOINT", "RELEASE"))]
        assert writes[0].startswith("WITH inserted AS (INSERT INTO") and "conversations_sessionstate" in writes[0]
        assert "guest_language AS (UPDATE" in writes[0]
        assert not any("conversations_sessionstate" in text or "SET language" in text for text in writes[1:])
        conversation.refresh_from_db()
        assert conversation.guest.language == "ms" == reply.metadata["language"]
        row = SessionState.objects.get(conversation=conversation)
        assert row.language == "ms" and [turn["role"] for turn in row.history] == ["guest", "ai"]
        assert row.history[-1]["content"] == reply.content
        assert sessions.load(conversation).source == "redis"  # cached after the database copy
        get_redis().delete(key(kb_a.a.schema_name, "session", conversation.pk))
        assert sessions.load(conversation).history == row.history  # the durable copy, as the cache had it


def test_a_turn_reads_its_session_and_the_settings_stamp_in_the_round_trip_that_takes_its_lock(
    kb_a, open_all_day
) -> None:
    from unittest.mock import patch

    from redis.client import Pipeline, Redis

    from core import settings_cache

    sent: list[list[tuple[object, ...]]] = []  # each round trip: the commands in it
    real_command, real_execute = Redis.execute_command, Pipeline.execute

    def command(client: Redis, *args: object, **options: object) -> object:
        sent.append([args])
        return real_command(client, *args, **options)

    def execute(pipe: Pipeline, *args: object, **options: object) -> object:
        sent.append([args for args, _ in pipe.command_stack])
        return real_execute(pipe, *args, **options)

    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, "Is there a gym?")
        engine.run_turn(conversation.pk, message.pk)  # caches the session
        second, _ = engine.record_guest_message(conversation, "And the pool?", provider_message_id="p45t:2")
        session_key, stamp_key = sessions.redis_key(conversation.pk), settings_cache.stamp_key(connection.schema_name)
        get_redis().set(stamp_key, b"7")
        with patch.object(Redis, "execute_command", command), patch.object(Pipeline, "execute", execute):
            reply = engine.run_turn(conversation.pk, second.pk)
    assert reply is not None and reply.metadata["session_source"] == "redis"  # the copy read with the lock
    lock_name = key(kb_a.a.schema_name, "turn", conversation.pk)
    (taking,) = [trip for trip in sent if trip[0][:2] == ("SET", lock_name)]
    assert [args[:2] for args in taking] == [("SET", lock_name), ("GET", session_key), ("GET", stamp_key)]
    # Neither key read again on a round trip of its own.
    reads = [trip for trip in sent if any(args[0] == "GET" and args[1] in (session_key, stamp_key) for args in trip)]
    assert reads == [taking]


def test_what_the_steps_read_in_every_turn_is_read_in_the_conversations_statement(kb_a, open_all_day) -> None:
    from conversations import turn_steps
    from conversations.models import Conversation

    reads = [build for step in turn_steps.registered() for build in getattr(step, "first_reads", {}).values()]
    assert reads, "the lead step reads the conversation's lead in every turn"
    tables = {f'"{build(0).model._meta.db_table}"' for build in reads}
    with schema_context(kb_a.a.schema_name):
        conversation, message = start(kb_a, "Is there a gym?")
        with CaptureQueriesContext(connection) as captured:
            assert engine.run_turn(conversation.pk, message.pk) is not None
    first = captured[0]["sql"]
    assert f'"{Conversation._meta.db_table}"' in first and all(table in first for table in tables)
    # Read there only: no statement of its own (one round trip a turn fewer).
    assert [q["sql"] for q in captured if any(table in q["sql"] for table in tables)] == [first]
