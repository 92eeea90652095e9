"""The beat job `dispatch_due` under a backlog: bounded, oldest first, never re-queueing what is only waiting.

A backlog (an outage, a starved worker) leaves many inbound events pending and many outbox rows overdue
although their tasks are queued. The job must not copy all of them every two minutes (the copies feed the
backlog), must stop well inside its time limit and resume next run, and must never make a dead letter of
a slow run (issue 17's 10-minute outage under load: ~900 requeues per run, a time-limit dead letter, a
pipeline that did not drain).
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from conversations import engine, task_names
from conversations.models import InboundEvent, InboundState, Message, MessageRole, OutboxItem, OutboxState
from conversations.pipeline import inbound, outbox, routing, tasks
from conversations.pipeline.tasks import dispatch_due
from core.models import DeadLetter
from messaging.whatsapp import parse_webhook
from properties.models import WhatsAppBinding
from testsupport.inbound import whatsapp_inbox, whatsapp_text
from testsupport.payloads import whatsapp_body

NUMBER = "660000000171"
_ids = itertools.count()


@pytest.fixture
def requeued(world, monkeypatch):
    """The events the beat job hands to Celery again, in order (in property A's schema)."""
    sent: list[int] = []
    monkeypatch.setattr(inbound, "requeue", lambda schema, event_id: sent.append(event_id))
    with schema_context(world.a.schema_name):
        yield sent


def _backlog(count: int, minutes_ago: float = 10) -> list[int]:
    """`count` pending events, received a second apart `minutes_ago` minutes ago, whose tasks are queued."""
    start = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return [
        InboundEvent.objects.create(
            channel="whatsapp",
            kind="message",
            provider_id=f"wamid.backlog.{next(_ids)}",
            received_at=start + dt.timedelta(seconds=i),
        ).pk
        for i in range(count)
    ]


def _letters() -> int:
    with schema_context("public"):
        return DeadLetter.objects.filter(task_name=task_names.DISPATCH_DUE).count()


def test_a_queued_backlog_is_requeued_once_then_left_alone_until_its_age_has_doubled(requeued) -> None:
    events = _backlog(5)
    assert dispatch_due.apply().get()["inbound_requeued"] == 5
    assert requeued == events  # the oldest first

    for _ in range(3):  # the next runs, two minutes apart: the copies are on the queue, nothing more
        assert dispatch_due.apply().get()["inbound_requeued"] == 0
    assert requeued == events

    # The lease: not again before the event is twice as old (10 min now → 20 min), then once more.
    lease = InboundEvent.objects.get(pk=events[0]).next_attempt_at - timezone.now()
    assert dt.timedelta(minutes=9) < lease < dt.timedelta(minutes=11)
    InboundEvent.objects.filter(pk__in=events).update(next_attempt_at=timezone.now() - dt.timedelta(minutes=3))
    dispatch_due.apply()
    assert requeued == events + events


def test_an_event_not_yet_two_minutes_old_or_waiting_for_its_retry_is_left_to_celery(requeued) -> None:
    fresh = _backlog(1, minutes_ago=1)
    retrying = _backlog(1)
    InboundEvent.objects.filter(pk__in=retrying).update(next_attempt_at=timezone.now() + dt.timedelta(seconds=30))
    dispatch_due.apply()
    assert requeued == []
    assert InboundEvent.objects.get(pk=fresh[0]).next_attempt_at is None  # no lease taken for what was not sent


def test_an_over_limit_backlog_is_taken_oldest_first_a_batch_a_run(requeued, monkeypatch) -> None:
    monkeypatch.setattr(inbound, "REQUEUE_BATCH", 3)
    events = _backlog(7)
    for run, expected in enumerate([events[:3], events[3:6], events[6:]], start=1):
        assert dispatch_due.apply().get()["inbound_requeued"] == len(expected)
        assert requeued[-len(expected) :] == expected, f"run {run}"
    dispatch_due.apply()
    assert requeued == events


def test_out_of_budget_it_stops_and_the_next_run_resumes_with_no_dead_letter(requeued, monkeypatch) -> None:
    events = _backlog(6)
    letters = _letters()
    monkeypatch.setattr(tasks, "DISPATCH_DUE_BUDGET", 0.0)
    assert dispatch_due.apply().get()["inbound_requeued"] == 0
    assert InboundEvent.objects.filter(pk__in=events, next_attempt_at__isnull=False).count() == 0  # none leased

    # The soft time limit striking half-way: what was sent is leased, the rest waits, no dead letter.
    monkeypatch.setattr(tasks, "DISPATCH_DUE_BUDGET", 20.0)

    def slow(schema: str, event_id: int) -> None:
        if len(requeued) == 2:
            raise SoftTimeLimitExceeded()
        requeued.append(event_id)

    monkeypatch.setattr(inbound, "requeue", slow)
    result = dispatch_due.apply()
    assert result.successful(), result.traceback
    assert requeued == events[:2]
    assert set(InboundEvent.objects.filter(next_attempt_at__isnull=False).values_list("pk", flat=True)) == set(
        events[:2]
    )
    monkeypatch.setattr(inbound, "requeue", lambda schema, event_id: requeued.append(event_id))
    dispatch_due.apply()
    assert requeued == events
    assert _letters() == letters


def test_a_second_copy_of_a_processed_event_costs_no_receipt_and_no_turn(world, fake_graph, monkeypatch) -> None:
    with whatsapp_inbox(world.a, NUMBER, monkeypatch) as turns:
        raw = {"from": "60177717101", "id": "wamid.t17.copy", "timestamp": "1767225600", "type": "text"}
        raw["text"] = {"body": "Is there parking?"}
        inbound.store_events(
            inbound.whatsapp_rows(parse_webhook(whatsapp_body(NUMBER, messages=[raw]), routing.whatsapp_schema))
        )
        event = InboundEvent.objects.get(provider_id="wamid.t17.copy")
        message_id = inbound.process(event.pk)
        assert turns == [message_id] and len(fake_graph.read_receipts()) == 1
        for _ in range(3):  # the beat job's copy, a redelivery
            assert inbound.process(event.pk) == message_id
        assert turns == [message_id] and len(fake_graph.read_receipts()) == 1
        assert InboundEvent.objects.get(pk=event.pk).attempts == 1


# --- The outbox: one chain of tasks per row, however often it was taken up ----------------------------


@pytest.fixture
def alpha(world, fake_graph, monkeypatch):
    WhatsAppBinding.objects.create(property=world.a, phone_number_id=NUMBER, display_phone_number="1")
    chain: list[tuple[int, str]] = []
    monkeypatch.setattr(
        outbox, "enqueue_on_commit", lambda task, args, kwargs, countdown: chain.append((args[0], kwargs["due"]))
    )
    routing.clear_cache()
    with schema_context(world.a.schema_name):
        yield fake_graph, chain
    routing.clear_cache()


def _reply() -> OutboxItem:
    conversation, _, _ = engine.ingest(
        whatsapp_text("+60177717102", "Do you have a gym?", number=NUMBER, wamid="wamid.t17.gym")
    )
    with transaction.atomic():
        message = Message.objects.create(
            conversation=conversation, role=MessageRole.AI, content="Yes.", channel="whatsapp"
        )
        item = outbox.stage(message, conversation)
    assert item is not None
    return item


def test_a_late_task_of_a_row_the_beat_job_took_up_is_superseded_and_sends_nothing(alpha) -> None:
    graph, chain = alpha
    item = _reply()
    [(pk, due)] = chain
    assert pk == item.pk and dt.datetime.fromisoformat(due) == item.next_attempt_at
    graph.fail(times=1000, status=500, path="/messages")
    assert outbox.dispatch(item.pk, due=due) == OutboxState.PENDING  # refused: retried later, by this chain
    item.refresh_from_db()
    (_, retry_due) = chain[-1]
    assert dt.datetime.fromisoformat(retry_due) == item.next_attempt_at

    # The worker is backlogged: the row's retry task is late, the beat job takes the row up (a new chain).
    OutboxItem.objects.filter(pk=item.pk).update(next_attempt_at=timezone.now() - dt.timedelta(minutes=3))
    assert dispatch_due.apply().get()["overdue"] == 1
    item.refresh_from_db()
    (_, beat_due) = chain[-1]
    assert beat_due != retry_due and dt.datetime.fromisoformat(beat_due) == item.next_attempt_at

    # The late task of the first chain arrives: it ends there, no request; the beat job's chain goes on.
    requests = len(graph.sent_messages())
    links = len(chain)
    assert outbox.dispatch(item.pk, due=retry_due) == "superseded"
    assert len(chain) == links and len(graph.sent_messages()) == requests
    OutboxItem.objects.filter(pk=item.pk).update(next_attempt_at=timezone.now())
    graph.reset()
    assert outbox.dispatch(item.pk, due=timezone.now().isoformat()) == "superseded"
    item.refresh_from_db()
    assert outbox.dispatch(item.pk, due=item.next_attempt_at.isoformat()) == OutboxState.SENT


def test_the_beat_job_leaves_a_row_just_due_to_its_own_task(alpha) -> None:
    graph, chain = alpha
    item = _reply()
    assert dispatch_due.apply().get()["overdue"] == 0
    assert OutboxItem.objects.get(pk=item.pk).state == OutboxState.PENDING and graph.sent_messages() == []


def test_the_beat_job_in_property_b_neither_requeues_nor_sends_property_a_s_backlog(world, alpha, monkeypatch) -> None:
    graph, chain = alpha
    item = _reply()
    OutboxItem.objects.filter(pk=item.pk).update(next_attempt_at=timezone.now() - dt.timedelta(minutes=3))
    events = _backlog(2)
    sent: list[int] = []
    monkeypatch.setattr(inbound, "requeue", lambda schema, event_id: sent.append(event_id))
    with schema_context(world.b.schema_name):
        assert dispatch_due.apply().get() == {"inbound_requeued": 0, "sent": 0, "overdue": 0, "web_turns_resent": 0}
    assert sent == [] and graph.sent_messages() == []
    assert InboundEvent.objects.filter(pk__in=events, state=InboundState.PENDING).count() == 2
