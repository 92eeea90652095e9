"""enqueue / enqueue_on_commit: the one place a task's schema header is written."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context

from core.durability import enqueue, enqueue_on_commit, task_named

pytestmark = pytest.mark.django_db


class FakeTask:
    """Records what would have gone to the broker."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def apply_async(self, **options: Any) -> None:
        self.sent.append(options)


def test_enqueue_sends_at_once_in_the_active_schema(world) -> None:
    task = FakeTask()
    with schema_context(world.a.schema_name):
        enqueue(task, args=[7])  # type: ignore[arg-type]
    assert task.sent == [{"args": [7], "headers": {"_schema_name": world.a.schema_name}}]


def test_enqueue_passes_only_what_the_caller_gave(world) -> None:
    task = FakeTask()
    enqueue(task, args=(1, "x"), kwargs={"revive": True}, schema=world.b.schema_name, countdown=2.5)  # type: ignore[arg-type]
    assert task.sent == [
        {
            "args": [1, "x"],
            "kwargs": {"revive": True},
            "headers": {"_schema_name": world.b.schema_name},
            "countdown": 2.5,
        }
    ]


def test_enqueue_on_commit_waits_for_the_commit_and_keeps_the_callers_schema(
    world,
    django_capture_on_commit_callbacks,
) -> None:
    task = FakeTask()
    with django_capture_on_commit_callbacks(execute=True):
        with schema_context(world.a.schema_name):
            enqueue_on_commit(task, args=[3], countdown=0)  # type: ignore[arg-type]
            assert task.sent == []  # nothing announced before the commit
        assert connection.schema_name != world.a.schema_name
    assert task.sent == [{"args": [3], "headers": {"_schema_name": world.a.schema_name}, "countdown": 0}]


def test_nothing_is_sent_for_a_rolled_back_transaction(
    world,
    django_capture_on_commit_callbacks,
) -> None:
    task = FakeTask()

    class Rollback(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Rollback), transaction.atomic():
        enqueue_on_commit(task, args=[1], schema=world.a.schema_name)  # type: ignore[arg-type]
        raise Rollback
    assert callbacks == [] and task.sent == []


def test_a_task_can_be_sent_by_its_registered_name(world, monkeypatch) -> None:
    """How a service starts a task without importing the tasks module that wraps it."""
    task = task_named("celery.backend_cleanup")
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(task, "apply_async", lambda **options: sent.append(options))
    enqueue("celery.backend_cleanup", args=[1], schema=world.a.schema_name)
    assert sent == [{"args": [1], "headers": {"_schema_name": world.a.schema_name}}]
    with pytest.raises(KeyError):
        task_named("no.such.task")


def test_threads_that_ask_for_a_task_at_once_all_find_it(monkeypatch) -> None:
    """Celery's autodiscovery imports nothing for a second caller while a first is importing."""
    from celery import current_app

    from testsupport.tasks import flaky

    importing = threading.Event()
    registered: dict[str, Any] = {}

    def import_default_modules() -> list[Any]:
        if importing.is_set():  # what celery.loaders.base.autodiscover_tasks does for a concurrent caller
            return []
        importing.set()
        time.sleep(0.2)  # the tasks modules take a while to import
        registered["tests.racing_task"] = flaky
        importing.clear()
        return []

    monkeypatch.setattr(current_app.loader, "import_default_modules", import_default_modules)
    monkeypatch.setattr(type(current_app.tasks), "__contains__", lambda self, name: name in registered)
    monkeypatch.setattr(type(current_app.tasks), "__getitem__", lambda self, name: registered[name])
    found: list[Any] = []
    threads = [threading.Thread(target=lambda: found.append(task_named("tests.racing_task"))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert found == [flaky, flaky, flaky]


def test_inbound_events_and_turns_are_sent_without_asking_for_a_result(world, monkeypatch) -> None:
    # Asking for a result makes the Redis result backend subscribe to the task's result channel (and
    # unsubscribe later): two of a publish's three round trips, for inbound and turn tasks nobody reads.
    from types import SimpleNamespace

    from conversations import task_names, turns
    from conversations.models import Channel
    from conversations.pipeline import inbound
    from nocturn.celery import app

    subscribed: list[str] = []
    sent: list[tuple[str, Any]] = []
    monkeypatch.setattr(app.backend, "on_task_call", lambda producer, task_id: subscribed.append(task_id))
    monkeypatch.setattr(
        app.amqp,
        "send_task_message",
        lambda producer, name, message, **options: sent.append((name, message.headers.get("ignore_result"))),
    )
    inbound.enqueue("alpha", 1)
    inbound.enqueue_batch("alpha", [2, 3])
    with schema_context("alpha"):
        # A turn after a buffer window (the widget's are LPUSHed: the last test below).
        monkeypatch.setattr(turns, "buffer_window", lambda conversation: 4.0)
        turns.schedule(SimpleNamespace(channel=Channel.WHATSAPP, pk=5), 6)  # type: ignore[arg-type]
    enqueue(task_names.PROCESS_INBOUND, args=[4], schema="alpha")  # the default: a result asked for
    assert sent == [
        (task_names.PROCESS_INBOUND, True),
        (task_names.PROCESS_INBOUND_BATCH, True),
        (task_names.BUFFERED_TURN, True),
        (task_names.PROCESS_INBOUND, False),
    ]
    assert len(subscribed) == 1  # the last one's only


@pytest.fixture
def unconsumed_broker() -> Iterator[Any]:
    """Celery's producer and a Redis client on a database of the broker's server that no worker consumes:
    in the whole suite a live stack's worker runs on the broker's own database and may take a message
    before the test reads it."""
    import redis
    from django.conf import settings

    from nocturn.celery import app

    parts = urlsplit(settings.CELERY_BROKER_URL)
    database = int(parts.path.strip("/") or 0)
    quiet = urlunsplit(parts._replace(path=f"/{15 if database != 15 else 14}"))
    saved = app.conf.broker_write_url

    def reopen(url: str | None) -> None:
        app.conf.broker_write_url = url
        app._pool = None  # the producer pool is built from the write URL on first use
        app.amqp._producer_pool = None

    reopen(quiet)
    client = redis.Redis.from_url(quiet)
    try:
        yield client
    finally:
        client.delete("celery")
        reopen(saved)


def _without_ids(message: dict[str, Any]) -> dict[str, Any]:
    """A broker message with what differs between any two sends (its ids) blanked."""
    headers = {**message["headers"], "id": "-", "root_id": "-"}
    properties = {**message["properties"], "correlation_id": "-", "delivery_tag": "-"}
    return {**message, "headers": headers, "properties": properties}


@pytest.mark.parametrize("event_ids", [[41], [42, 43], list(range(1000, 1300))])  # the last: argsrepr truncated
def test_the_wire_message_is_the_one_enqueue_puts_on_the_broker(event_ids: list[int], unconsumed_broker: Any) -> None:
    # The webhook's fast path LPUSHes `wire_message`'s bytes itself; the worker must find exactly what
    # Celery's own producer would have sent (task, args, schema header, time limits, envelope).
    import json

    from conversations.pipeline import inbound
    from core.durability import wire_message

    broker = unconsumed_broker
    name, args = inbound.inbound_task(event_ids)
    queue, data = wire_message(name, args=args, schema="alpha", ignore_result=True)
    before = broker.llen(queue)
    inbound.enqueue_batch("alpha", event_ids)  # through kombu's producer
    assert broker.llen(queue) == before + 1
    sent = json.loads(broker.lpop(queue))  # LPUSH puts the newest at the head
    ours = json.loads(data)
    assert _without_ids(ours) == _without_ids(sent)
    assert ours["headers"]["_schema_name"] == "alpha" and ours["headers"]["task"] == name
    assert ours["headers"]["id"] == ours["properties"]["correlation_id"] != sent["headers"]["id"]


def test_a_widget_turn_is_lpushed_as_enqueue_would_send_it(world, unconsumed_broker: Any, monkeypatch) -> None:
    # The widget's turn skips kombu's producer (`durability.publish`); the worker must find the message
    # Celery would have sent: the turn's task and ids, the schema it was scheduled in, no result asked for.
    import json
    from types import SimpleNamespace

    from conversations import task_names, turns
    from conversations.models import Channel
    from core import durability
    from nocturn.celery import app

    broker = unconsumed_broker
    monkeypatch.setattr(durability, "get_broker", lambda: broker)
    queue, _ = durability.wire_message(task_names.BUFFERED_TURN, args=[], schema="bravo")
    before = broker.llen(queue)
    through_kombu: list[str] = []
    kombu_send = app.amqp.send_task_message
    monkeypatch.setattr(
        app.amqp,
        "send_task_message",
        lambda producer, name, *a, **k: [through_kombu.append(name), kombu_send(producer, name, *a, **k)],
    )
    with schema_context(world.b.schema_name):
        turns.schedule(SimpleNamespace(channel=Channel.WEB, pk=5), 6)  # type: ignore[arg-type]
        assert through_kombu == [] and broker.llen(queue) == before + 1
        enqueue(task_names.BUFFERED_TURN, args=[5, 6], ignore_result=True)  # through kombu's producer
    assert through_kombu == [task_names.BUFFERED_TURN]
    assert broker.llen(queue) == before + 2
    sent, ours = json.loads(broker.lpop(queue)), json.loads(broker.lpop(queue))  # the newest at the head
    assert _without_ids(ours) == _without_ids(sent)
    assert ours["headers"]["task"] == task_names.BUFFERED_TURN and ours["headers"]["argsrepr"] == "[5, 6]"
    assert ours["headers"]["_schema_name"] == world.b.schema_name and ours["headers"]["ignore_result"] is True
