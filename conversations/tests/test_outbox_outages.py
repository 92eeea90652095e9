"""The outbox outlasts outages: retries to the message's horizon, a circuit per number, order per conversation,
staff told in the conversation when a message cannot be delivered, replays that send or say why not."""

from __future__ import annotations

import datetime as dt
import time
import zlib

import pytest
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from conversations import task_names
from conversations.models import Conversation, Message, MessageRole, OutboxItem
from conversations.pipeline import outbox
from conversations.tests.test_outbox_dispatch import _guest_says
from core.models import DeadLetter
from properties.models import WhatsAppBinding


@pytest.fixture
def number(world, fake_graph, request):
    # One number per test: the circuit lives in Redis, shared by every worker, keyed by the number.
    phone_number_id = f"7717{zlib.crc32(request.node.name.encode()) % 10**8:08d}"
    WhatsAppBinding.objects.create(property=world.a, phone_number_id=phone_number_id, display_phone_number="1")
    with schema_context(world.a.schema_name):
        yield phone_number_id, fake_graph
    outbox._circuit(OutboxItem(channel="whatsapp", thread_id=phone_number_id)).record_success()


def _conversation(wa_id: str, number: str) -> Conversation:
    return _guest_says("hello", wa_id=wa_id, number=number)[0]


def _stage(conversation: Conversation, text: str, role: str = MessageRole.AI) -> OutboxItem:
    with transaction.atomic():
        message = Message.objects.create(conversation=conversation, role=role, content=text, channel="whatsapp")
        item = outbox.stage(message, conversation)
    assert item is not None
    return item


def _texts(graph) -> list[str]:
    return [m["text"]["body"] for m in graph.sent_messages() if m.get("type") == "text"]


def test_an_answer_waits_for_the_greeting_before_it(number, settings) -> None:
    phone, graph = number
    conversation = _conversation("60166600001", phone)
    greeting = _stage(conversation, "Welcome!", MessageRole.SYSTEM)
    answer = _stage(conversation, "Breakfast is at 7.")
    OutboxItem.objects.filter(pk=greeting.pk).update(next_attempt_at=timezone.now() + dt.timedelta(seconds=30))
    assert outbox.dispatch(answer.pk) == "waiting_for_earlier"
    assert _texts(graph) == []
    answer.refresh_from_db()
    assert answer.attempts == 0 and answer.next_attempt_at > timezone.now() + dt.timedelta(seconds=30)
    # It does not poll each time the greeting is due (a task per row every ~40 s of an outage): the greeting's
    # end wakes it; its own poll, OUTBOX_BACKOFF_MAX away, is only the safety net for a lost wake-up.
    poll = dt.timedelta(seconds=settings.OUTBOX_BACKOFF_MAX - 5)
    assert answer.next_attempt_at > timezone.now() + poll

    OutboxItem.objects.filter(pk=greeting.pk).update(next_attempt_at=timezone.now())
    assert outbox.dispatch(greeting.pk) == "sent"
    answer.refresh_from_db()
    assert answer.next_attempt_at <= timezone.now()  # woken by the greeting's send
    assert outbox.dispatch(answer.pk) == "sent"
    assert _texts(graph) == ["Welcome!", "Breakfast is at 7."]


def test_an_outage_opens_the_numbers_circuit_so_waiting_costs_no_requests(number, settings) -> None:
    phone, graph = number
    settings.OUTBOX_CIRCUIT_COOLDOWN = 30
    graph.fail(times=1000, status=500, path="/messages")
    items = [_stage(_conversation(f"6016660010{i}", phone), f"Answer {i}") for i in range(6)]
    outcomes = [outbox.dispatch(item.pk) for item in items]
    assert outcomes[:3] == ["pending"] * 3  # three real failures open the circuit
    assert outcomes[3:] == ["circuit_open"] * 3
    assert len([r for r in graph.requests if r.path.endswith("/messages")]) == 3
    for item in items:
        item.refresh_from_db()
        assert item.state == "pending" and item.next_attempt_at > timezone.now()
    with schema_context("public"):
        assert not DeadLetter.objects.filter(task_name=task_names.DISPATCH_OUTBOX, args__0__in=[i.pk for i in items])


def test_a_probe_that_gets_through_wakes_what_waited_on_the_number(number, settings) -> None:
    phone, graph = number
    settings.OUTBOX_CIRCUIT_COOLDOWN = 1
    graph.fail(times=3, status=500, path="/messages")
    items = [_stage(_conversation(f"6016660020{i}", phone), f"Answer {i}") for i in range(4)]
    for item in items:
        outbox.dispatch(item.pk)
    assert outbox._circuit(items[0]).state() == "open"
    OutboxItem.objects.filter(pk=items[0].pk).update(next_attempt_at=timezone.now())
    time.sleep(1.1)  # the cooldown (1 s) passes: one send may probe
    assert outbox.dispatch(items[0].pk) == "sent"
    for item in items[1:]:
        item.refresh_from_db()
        assert item.next_attempt_at <= timezone.now() + dt.timedelta(seconds=settings.OUTBOX_WAKE_SPREAD)


def test_past_its_horizon_a_message_fails_to_staff_in_the_conversation_not_to_a_dead_letter(number, settings) -> None:
    phone, graph = number
    settings.OUTBOX_WHATSAPP_HORIZON = 60
    graph.fail(times=10, status=503, path="/messages")
    conversation = _conversation("60166600301", phone)
    item = _stage(conversation, "Your room is ready.")
    OutboxItem.objects.filter(pk=item.pk).update(created_at=timezone.now() - dt.timedelta(seconds=61))
    assert outbox.dispatch(item.pk) == "failed"
    item.refresh_from_db()
    assert item.alert == "staff" and "not delivered within 0:01:00" in item.last_error
    note = Message.objects.get(conversation=conversation, metadata__event="delivery_failed")
    assert note.role == MessageRole.SYSTEM and note.metadata["message_id"] == item.message_id
    assert not OutboxItem.objects.filter(message=note).exists()  # for staff, never sent to the guest
    with schema_context("public"):
        assert not DeadLetter.objects.filter(task_name=task_names.DISPATCH_OUTBOX, args=[item.pk]).exists()


def test_replaying_a_dead_letter_of_a_failed_status_sends_the_message_again(number) -> None:
    phone, graph = number
    item = _stage(_conversation("60166600401", phone), "See you tomorrow!")
    assert outbox.dispatch(item.pk) == "sent"
    item.refresh_from_db()
    outbox.apply_status({"wamid": item.provider_ids[0], "status": "failed", "errors": [{"code": 190}]})
    with schema_context("public"):
        letter = DeadLetter.objects.get(task_name=task_names.DISPATCH_OUTBOX, args=[item.pk])
    assert letter.kwargs == {"revive": True}
    assert outbox.dispatch(item.pk, revive=True) == "sent"
    assert _texts(graph) == ["See you tomorrow!", "See you tomorrow!"]  # sent again, whole
    assert outbox.dispatch(item.pk, revive=True) == "not sent again: already sent (sent)"


def test_a_replay_of_a_failure_staff_must_handle_says_why_it_cannot_send(number) -> None:
    phone, graph = number
    graph.undeliverable.add("60166600501")
    item = _stage(_conversation("60166600501", phone), "Hello?")
    assert outbox.dispatch(item.pk) == "failed"
    why = outbox.dispatch(item.pk, revive=True)
    assert why.startswith("not sent: it failed for a reason a replay cannot fix") and "131026" in why
