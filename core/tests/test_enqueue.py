"""enqueue / enqueue_on_commit: the one place a task's schema header is written."""

from __future__ import annotations

from typing import Any

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
