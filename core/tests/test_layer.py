"""Channel-layer sends from synchronous code (core/layer.py) on the real Redis layer, and the worker's schema
between tasks (nocturn/celery.py)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from celery.signals import task_postrun
from channels.layers import get_channel_layer
from django.db import connection
from django_tenants.utils import schema_context

from core import layer


@pytest.fixture
def own_loop(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process as a worker's pool process sees it after `use_own_loop` (module state put back after)."""
    monkeypatch.setattr(layer, "_loop", None)
    monkeypatch.setattr(layer, "_own_loop_for_sync_sends", False)
    layer.use_own_loop()
    yield
    loop = layer._loop
    if loop is not None:
        loop.call_soon_threadsafe(loop.stop)


def test_sends_from_a_worker_go_out_in_order_on_one_loop_thread(own_loop: None) -> None:
    channel_layer = get_channel_layer()
    reader = asyncio.new_event_loop()
    channel = reader.run_until_complete(channel_layer.new_channel())
    reader.run_until_complete(channel_layer.group_add("staff.layer-test", channel))
    threads_before = {t.ident for t in threading.enumerate()}
    try:
        for n in range(5):
            layer.send_group("staff.layer-test", {"type": "staff.event", "event": "n", "payload": {"n": n}})
        received = [reader.run_until_complete(asyncio.wait_for(channel_layer.receive(channel), 5)) for _ in range(5)]
        assert [m["payload"]["n"] for m in received] == [0, 1, 2, 3, 4]
        # One loop thread for the process, not a thread (and a loop, and a Redis connection) per send.
        new_threads = [t for t in threading.enumerate() if t.ident not in threads_before]
        assert [t.name for t in new_threads] == ["channel-layer"]
        assert layer.background_loop() is layer._loop
    finally:
        reader.run_until_complete(channel_layer.group_discard("staff.layer-test", channel))
        reader.close()


def test_a_worker_task_leaves_its_schema_for_the_next_but_an_eager_one_hands_the_callers_back(world) -> None:
    import nocturn.celery  # noqa: F401 - connects the postrun handlers

    class Task:  # what tenant-schemas-celery's restore reads of a task its prerun switched
        _old_schema = ("public", True)

        def __init__(self, is_eager: bool) -> None:
            self.request = SimpleNamespace(is_eager=is_eager)

        def get_tenant_databases(self) -> tuple[str, ...]:
            return ("default",)

    def run_postrun(is_eager: bool) -> None:
        task = Task(is_eager)
        task_postrun.send(sender=task, task=task, task_id="t", args=(), kwargs={}, retval=None, state="SUCCESS")

    with schema_context(world.a.schema_name):
        run_postrun(is_eager=False)  # a worker: the next task switches if it must, no `SET search_path` again
        assert connection.schema_name == world.a.schema_name
        run_postrun(is_eager=True)  # apply() in the caller's process: the caller's schema comes back
        assert connection.schema_name == "public"
