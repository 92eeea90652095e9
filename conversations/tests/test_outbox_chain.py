"""One live chain of tasks per outbox row, even when two dispatchers meet on it (committed rows, two connections).

The failure this guards against (seen once in the 50-guest outage test): a row woken by the row before it
(`_kick_next`) got a new task; a superseded task of the same row was holding its lock for the moment it
takes to see that it is superseded; the new task, finding the row locked, ended. Nothing carried the row
on, and only the beat job's overdue sweep, minutes later, would have sent the guest's reply.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from conversations.models import Conversation, Guest, MessageRole, OutboxItem
from conversations.pipeline import outbox, routing
from conversations.tests.test_outbox_dispatch import _guest_says
from conversations.tests.test_outbox_outages import _stage, _texts
from properties.models import WhatsAppBinding

pytestmark = pytest.mark.e2e  # committed rows: a second connection must see (and lock) them


@dataclasses.dataclass
class Chain:
    number: str  # property A's own WhatsApp number for this test (the circuit is per number, in Redis)
    wa_id: str
    graph: Any
    sent: list[tuple[int, str, float]]  # every dispatch task sent: (row, due, countdown)

    def conversation(self) -> Conversation:
        return _guest_says("hello", wa_id=self.wa_id, number=self.number)[0]


@pytest.fixture
def chain(committed_db, fake_graph, monkeypatch) -> Iterator[Chain]:
    world = committed_db
    number = f"7718{uuid.uuid4().int % 10**8:08d}"
    binding = WhatsAppBinding.objects.create(property=world.a, phone_number_id=number, display_phone_number="1")
    found = Chain(number, f"6019{uuid.uuid4().int % 10**7:07d}", fake_graph, [])
    monkeypatch.setattr(
        outbox,
        "enqueue_on_commit",
        lambda task, args, kwargs, countdown: found.sent.append((args[0], kwargs["due"], countdown)),
    )
    routing.clear_cache()
    try:
        with schema_context(world.a.schema_name):
            yield found
    finally:
        with schema_context(world.a.schema_name):
            Guest.objects.filter(identities__external_id=f"+{found.wa_id}").delete()  # cascades to its rows
        outbox._circuit(OutboxItem(channel="whatsapp", thread_id=number)).record_success()
        binding.delete()
        routing.clear_cache()


class _HeldRow:
    """Another dispatcher's transaction holding the row's lock (FOR UPDATE) until released."""

    def __init__(self, schema: str, item_id: int) -> None:
        self._locked, self._release = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._hold, args=(schema, item_id))

    def _hold(self, schema: str, item_id: int) -> None:
        try:
            with schema_context(schema), transaction.atomic():
                OutboxItem.objects.select_for_update().get(pk=item_id)
                self._locked.set()
                self._release.wait(timeout=30)
        finally:
            connection.close()

    def __enter__(self) -> _HeldRow:
        self._thread.start()
        assert self._locked.wait(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self._thread.join(timeout=10)


def test_a_woken_rows_task_that_finds_the_row_held_comes_back_and_sends_it(chain: Chain) -> None:
    conversation = chain.conversation()
    greeting = _stage(conversation, "Welcome!", MessageRole.SYSTEM)
    answer = _stage(conversation, "Breakfast is at 7.")
    assert outbox.dispatch(answer.pk, due=answer.next_attempt_at.isoformat()) == "waiting_for_earlier"
    answer.refresh_from_db()
    waiting_due = answer.next_attempt_at.isoformat()  # the answer's slow poll: a task far ahead

    assert outbox.dispatch(greeting.pk, due=greeting.next_attempt_at.isoformat()) == "sent"
    answer.refresh_from_db()
    (row, woken_due, countdown) = chain.sent[-1]  # the greeting's send woke the answer: its live task
    assert (row, dt.datetime.fromisoformat(woken_due), countdown) == (answer.pk, answer.next_attempt_at, 0)

    with _HeldRow(connection.schema_name, answer.pk):  # the poll's task, deciding it is superseded
        assert outbox.dispatch(answer.pk, due=waiting_due) == "locked"  # a stale task: ends, sends nothing
        assert chain.sent[-1][1] == woken_due
        links = len(chain.sent)
        assert outbox.dispatch(answer.pk, due=woken_due) == "locked_retry"
        # The live task does not end on a held row: it comes back, carrying the same due.
        assert chain.sent[links:] == [(answer.pk, woken_due, outbox.LOCKED_RETRY)]
    assert _texts(chain.graph) == ["Welcome!"]

    assert outbox.dispatch(answer.pk, due=woken_due) == "sent"
    assert _texts(chain.graph) == ["Welcome!", "Breakfast is at 7."]
    assert outbox.dispatch(answer.pk, due=woken_due) == "sent"  # a copy of that task afterwards: nothing more
    assert _texts(chain.graph) == ["Welcome!", "Breakfast is at 7."]


def test_a_chains_task_that_runs_early_waits_for_its_row_instead_of_ending(chain: Chain) -> None:
    answer = _stage(chain.conversation(), "The pool opens at 8.")
    due = timezone.now() + dt.timedelta(seconds=20)
    OutboxItem.objects.filter(pk=answer.pk).update(next_attempt_at=due)
    links = len(chain.sent)
    assert outbox.dispatch(answer.pk, due=due.isoformat()) == "not_due"
    [(row, carried, countdown)] = chain.sent[links:]
    assert (row, carried) == (answer.pk, due.isoformat()) and 15 < countdown <= 20
    # The beat job (no due) meeting a row before its time leaves it to that chain: no second one.
    assert outbox.dispatch(answer.pk) == "not_due" and len(chain.sent) == links + 1
    assert _texts(chain.graph) == []


def test_a_task_for_a_row_that_is_gone_ends(chain: Chain) -> None:
    answer = _stage(chain.conversation(), "Checkout is at noon.")
    due = answer.next_attempt_at.isoformat()
    OutboxItem.objects.filter(pk=answer.pk).delete()
    links = len(chain.sent)
    assert outbox.dispatch(answer.pk, due=due) == "gone"
    assert len(chain.sent) == links and _texts(chain.graph) == []
