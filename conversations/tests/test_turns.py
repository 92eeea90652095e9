"""The one guest-turn path: what `turns.receive` decides for each channel, and how `turns.answer` fails."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import LockError

from conversations import task_names, turns
from conversations.models import AiMode, Channel, ChannelSettings, Conversation, Guest, Message, MessageRole
from conversations.pipeline.tasks import buffered_turn, dispatch_due
from core.durability import TransientError

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch) -> list[dict[str, Any]]:
    """Every turn sent (nothing reaches the broker): through Celery's producer, or LPUSHed (`publish`)."""
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(buffered_turn, "apply_async", lambda **options: sent.append(options))

    def publish(task: str, *, args: list[int], ignore_result: bool) -> None:
        options = {"args": args, "headers": {"_schema_name": connection.schema_name}, "ignore_result": ignore_result}
        sent.append({"published": task, **options})

    monkeypatch.setattr(turns, "publish", publish)
    return sent


@pytest.fixture
def staff_events(monkeypatch) -> list[tuple[str, str, dict[str, Any]]]:
    events: list[tuple[str, str, dict[str, Any]]] = []
    monkeypatch.setattr(turns, "notify_staff", lambda schema, event, payload: events.append((schema, event, payload)))
    return events


def guest_says(channel: str, text: str = "Is there a gym?") -> tuple[Conversation, Message]:
    conversation = Conversation.objects.create(guest=Guest.objects.create(), channel=channel, channel_id="t-1")
    message = Message.objects.create(conversation=conversation, role=MessageRole.GUEST, channel=channel, content=text)
    return conversation, message


def test_a_widget_message_is_answered_at_once_by_the_one_turn_task(world, sent, staff_events) -> None:
    with schema_context(world.a.schema_name):
        ChannelSettings.objects.update_or_create(pk=1, defaults={"buffer_window_seconds": 4.0})
        conversation, message = guest_says(Channel.WEB)
        assert turns.receive(conversation, message) is True
    # No buffer window on the widget: its guest watches the reply stream in.
    assert sent == [
        {
            "published": task_names.BUFFERED_TURN,
            "args": [conversation.pk, message.pk],
            "headers": {"_schema_name": world.a.schema_name},
            "ignore_result": True,
        }
    ]
    assert staff_events == []


@pytest.mark.parametrize("channel", [Channel.WHATSAPP, Channel.EMAIL])
def test_whatsapp_and_email_wait_for_the_propertys_buffer_window(world, sent, channel: str) -> None:
    with schema_context(world.a.schema_name):
        ChannelSettings.objects.update_or_create(pk=1, defaults={"buffer_window_seconds": 4.0})
        conversation, message = guest_says(channel)
        turns.receive(conversation, message)
    [options] = sent
    assert options["args"] == [conversation.pk, message.pk]
    assert options["countdown"] == 4.0


@pytest.mark.parametrize("channel", [Channel.WEB, Channel.WHATSAPP])
def test_while_staff_hold_the_conversation_only_staff_hear_of_the_message(world, sent, staff_events, channel) -> None:
    with schema_context(world.a.schema_name):
        conversation, message = guest_says(channel)
        conversation.ai_mode = AiMode.STAFF
        assert turns.receive(conversation, message) is False
    assert sent == []
    assert staff_events == [
        (world.a.schema_name, "guest_message", {"conversation_id": conversation.pk, "message_id": message.pk})
    ]


class FakeStream:
    def __init__(self, schema_name: str, conversation_id: int) -> None:
        self.events: list[str] = []
        self.flushed = False
        streams.append(self)

    def push(self, event: str, payload: dict[str, Any]) -> None:
        self.events.append(event)

    def flush(self) -> bool:
        self.flushed = True
        return True

    def finish(self, event: str, payload: dict[str, Any]) -> bool:
        self.push(event, payload)
        return self.flush()


streams: list[FakeStream] = []


def test_a_failed_web_turn_takes_back_what_it_streamed_before_the_retry(world, monkeypatch) -> None:
    def failing_turn(conversation_id: int, message_id: int, *, sink_for: Any, **_: Any) -> None:
        sink = sink_for(Conversation.objects.get(pk=conversation_id))  # as the engine builds it
        sink.on_token("Breakfast is")
        raise ConnectionResetError("the model went away")

    streams.clear()
    monkeypatch.setattr(turns.realtime, "GuestStream", FakeStream)
    monkeypatch.setattr(turns.engine, "run_turn", failing_turn)
    with schema_context(world.a.schema_name):
        conversation, message = guest_says(Channel.WEB)
        with pytest.raises(ConnectionResetError):
            turns.answer(conversation.pk, message.pk)
    [stream] = streams
    assert stream.events == ["token", "reset"] and stream.flushed


def test_a_busy_conversation_is_a_transient_error_so_the_task_retries(world, monkeypatch) -> None:
    def busy(*args: Any, **kwargs: Any) -> None:
        assert kwargs["lock_wait"] == turns.TURN_LOCK_WAIT
        raise LockError("locked")

    monkeypatch.setattr(turns.engine, "run_turn", busy)
    with schema_context(world.a.schema_name):
        conversation, message = guest_says(Channel.WHATSAPP)
        with pytest.raises(TransientError):
            turns.answer(conversation.pk, message.pk)
        monkeypatch.undo()
        assert turns.answer(conversation.pk + 1000, message.pk) is None  # gone: nothing to answer


def test_every_task_sent_by_name_is_registered_by_autodiscovery_alone() -> None:
    """What a worker registers: each app's tasks module (autodiscovered), and no CELERY_IMPORTS list."""
    from django.conf import settings

    from nocturn.celery import app

    assert not getattr(settings, "CELERY_IMPORTS", None)
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery of <app>.tasks
    names = [v for k, v in vars(task_names).items() if k.isupper()]
    assert names and set(names) <= set(app.tasks), sorted(set(names) - set(app.tasks))


def _waiting(minutes: float, *, replied: bool = False, ai_mode: str = AiMode.CONCIERGE) -> tuple[int, list[int]]:
    """A widget conversation whose guest wrote twice `minutes` ago (answered by an AI reply or not)."""
    at = timezone.now() - dt.timedelta(minutes=minutes)
    conversation = Conversation.objects.create(
        guest=Guest.objects.create(), channel=Channel.WEB, ai_mode=ai_mode, last_message_at=at
    )
    said = [
        Message.objects.create(
            conversation=conversation, role=MessageRole.GUEST, channel=Channel.WEB, content=text, created_at=at
        ).pk
        for text in ("Hello?", "Is the pool open?")
    ]
    if replied:
        Message.objects.create(
            conversation=conversation,
            role=MessageRole.AI,
            channel=Channel.WEB,
            content="Yes.",
            metadata={"answers": said, "reply_to": said[-1]},
            created_at=at,
        )
    return conversation.pk, said


def test_the_beat_job_resends_the_turn_of_a_widget_message_left_unanswered_once_a_lease(world, sent) -> None:
    with schema_context(world.a.schema_name):
        waiting, [_, newest] = _waiting(5)
        _waiting(5, replied=True)  # answered
        _waiting(0.2)  # its turn is still on its way
        _waiting(5, ai_mode=AiMode.STAFF)  # staff hold it: the inbox has it
        _waiting(120)  # past the horizon: the guest has gone, staff answer from the inbox
        assert dispatch_due.apply().get()["web_turns_resent"] == 1
        # The lease: the next runs (a backlog's) send no copy before the message's age has doubled.
        assert turns.resend_stale(time.monotonic() + 10) == 0
    # The newest message's turn answers the burst (engine.run_turn).
    assert [s["args"] for s in sent] == [[waiting, newest]]
    assert sent[0]["headers"] == {"_schema_name": world.a.schema_name}


def test_the_beat_job_in_property_b_never_resends_property_a_s_turns(world, sent) -> None:
    with schema_context(world.a.schema_name):
        _waiting(5)
    with schema_context(world.b.schema_name):
        assert turns.resend_stale(time.monotonic() + 10) == 0
    assert sent == []
    with schema_context(world.a.schema_name):  # A's own run still finds it: B took no lease on it
        assert turns.resend_stale(time.monotonic() + 10) == 1


def test_a_failed_resend_gives_its_lease_back(world, monkeypatch) -> None:
    def broker_down(task: str, *, args: list[int], ignore_result: bool) -> None:
        raise RedisConnectionError("the broker went away")

    monkeypatch.setattr(turns, "publish", broker_down)
    with schema_context(world.a.schema_name):
        _waiting(5)
        with pytest.raises(RedisConnectionError):
            turns.resend_stale(time.monotonic() + 10)
        monkeypatch.setattr(turns, "publish", lambda task, *, args, ignore_result: None)
        assert turns.resend_stale(time.monotonic() + 10) == 1
