"""Channel-layer sends from synchronous code (core/layer.py) on the real Redis layer, and the worker's schema
between tasks (nocturn/celery.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import Any
from unittest.mock import patch

import pytest
from asgiref.sync import sync_to_async
from celery.signals import task_postrun
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context
from redis.asyncio.client import Pipeline, Redis
from redis.client import Pipeline as BlockingPipeline
from redis.client import Redis as BlockingRedis

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


def test_sends_from_a_worker_go_out_in_order_from_its_thread(own_loop: None) -> None:
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
        # From the calling thread on a blocking client: no thread (nor loop) per send, nor the loop thread's hops.
        assert [t for t in threading.enumerate() if t.ident not in threads_before] == []
        assert layer._loop is None
    finally:
        reader.run_until_complete(channel_layer.group_discard("staff.layer-test", channel))
        reader.close()


def test_sends_from_a_daphne_request_thread_go_out_in_order_without_the_loop() -> None:
    # A request thread asgiref runs for daphne's loop (the widget's message POST): its staff-inbox event is sent
    # from the thread on a blocking client, not handed to the loop and waited for.
    channel_layer = get_channel_layer()

    async def serve() -> list[int]:
        channel = await channel_layer.new_channel()
        await channel_layer.group_add("staff.layer-daphne", channel)
        try:

            def request() -> None:
                for n in range(5):
                    layer.send_group("staff.layer-daphne", {"type": "staff.event", "event": "n", "payload": {"n": n}})

            with patch.object(channel_layer, "group_send", side_effect=AssertionError("sent on the loop")):
                await sync_to_async(request, thread_sensitive=False)()
            return [(await asyncio.wait_for(channel_layer.receive(channel), 5))["payload"]["n"] for _ in range(5)]
        finally:
            await channel_layer.group_discard("staff.layer-daphne", channel)

    assert asyncio.run(serve()) == [0, 1, 2, 3, 4]


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


async def _sends_and_receipts(
    layer_class: type, capacity: int = 100, *, blocking: bool = False
) -> tuple[list[Any], list[Any], int]:
    """Sends to a group of two members (one of them full at `capacity` 1), to an empty group and to a member
    whose group entry has expired; what each channel then holds, and the pipelines' and plain commands' count.
    `blocking`: sent by `group_send_blocking` (a pool process's sends), in a thread of its own."""
    channel_layer = layer_class(
        hosts=[{"address": settings.REDIS_URL}], prefix=f"test-layer-{uuid.uuid4().hex[:8]}", capacity=capacity
    )
    try:
        first, second, gone = [await channel_layer.new_channel() for _ in range(3)]
        for channel in (first, second):
            await channel_layer.group_add("guest.1", channel)
        await channel_layer.group_add("guest.2", gone)
        connection = channel_layer.connection(0)
        await connection.zadd(channel_layer._group_key("guest.2"), {gone: 1.0})  # added long ago: expired
        _counting.calls.clear()
        sends = [("guest.1", {"type": "chat.token", "n": n}) for n in range(3)]
        sends += [("staff.nobody", {"type": "staff.event", "n": 9}), ("guest.2", {"type": "chat.token", "n": 5})]
        with (
            patch.object(Pipeline, "execute", _counting(Pipeline.execute, in_pipelines=True)),
            patch.object(Redis, "execute_command", _counting(Redis.execute_command, in_pipelines=False)),
            patch.object(BlockingPipeline, "execute", _counting_blocking(BlockingPipeline.execute)),
            patch.object(BlockingRedis, "execute_command", _counting_blocking(BlockingRedis.execute_command)),
        ):
            for group, message in sends:
                if blocking:
                    assert await asyncio.to_thread(channel_layer.group_send_blocking, group, message)
                else:
                    await channel_layer.group_send(group, message)
        round_trips = len(_counting.calls)
        held = []
        for channel in (first, second, gone):
            messages = []
            while len(messages) < 3:
                try:
                    messages.append(await asyncio.wait_for(channel_layer.receive(channel), 0.3))
                except TimeoutError:
                    break
            held.append([m["n"] for m in messages])
        members = await connection.zrange(channel_layer._group_key("guest.2"), 0, -1)
        return held, members, round_trips
    finally:
        await channel_layer.flush()
        await channel_layer.close_pools()


def _counting_blocking(method: Any) -> Any:
    """A blocking client's method counted as `_counting` counts the asyncio client's (a blocking pipeline's
    execute does not go through the client's `execute_command`)."""

    def counted(instance: Any, *args: Any, **kwargs: Any) -> Any:
        _counting.calls.append(method.__name__)
        return method(instance, *args, **kwargs)

    return counted


class _counting:
    """A Redis client method wrapped to count its calls, each one round trip to Redis (a command queued in a
    pipeline is not one: `in_pipelines` False)."""

    calls: list[str] = []

    def __init__(self, method: Any, in_pipelines: bool) -> None:
        self.method, self.in_pipelines = method, in_pipelines

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        async def counted(*args: Any, **kwargs: Any) -> Any:
            if self.in_pipelines or not isinstance(instance, Pipeline):
                _counting.calls.append(self.method.__name__)
            return await self.method(instance, *args, **kwargs)

        return counted


def test_the_pipelined_group_send_leaves_what_upstreams_does_in_fewer_round_trips() -> None:
    assert isinstance(get_channel_layer(), layer.PipelinedRedisChannelLayer)  # the layer the settings name
    upstream = asyncio.run(_sends_and_receipts(RedisChannelLayer))
    ours = asyncio.run(_sends_and_receipts(layer.PipelinedRedisChannelLayer))
    # Both members get every event in order; the expired member is dropped from its group and gets nothing.
    assert ours[:2] == upstream[:2] == ([[0, 1, 2], [0, 1, 2], []], [])
    # Upstream: 4 round trips a send to members, 2 to a group nobody is in; here 1 each (one script).
    assert (upstream[2], ours[2]) == (4 * 3 + 2 + 2, 1 * 3 + 1 + 1)


def test_a_blocking_group_send_leaves_what_the_pipelined_one_does_in_as_many_round_trips() -> None:
    pipelined = asyncio.run(_sends_and_receipts(layer.PipelinedRedisChannelLayer))
    blocking = asyncio.run(_sends_and_receipts(layer.PipelinedRedisChannelLayer, blocking=True))
    assert blocking == pipelined == ([[0, 1, 2], [0, 1, 2], []], [], 1 * 3 + 1 + 1)
    full = asyncio.run(_sends_and_receipts(layer.PipelinedRedisChannelLayer, capacity=1, blocking=True))
    assert full[:2] == ([[0], [0], []], [])


def test_a_layer_with_a_host_not_given_by_address_sends_on_the_loop(own_loop: None) -> None:
    sentinel = layer.PipelinedRedisChannelLayer(hosts=[{"master_name": "m", "sentinels": [("127.0.0.1", 1)]}])
    assert sentinel.group_send_blocking("staff.x", {"type": "staff.event"}) is False  # nothing sent, nothing read
    sent = []

    async def group_send_all(group: str, messages: list[dict[str, Any]]) -> None:
        sent.append((group, len(messages)))

    with (
        patch("core.layer.get_channel_layer", return_value=sentinel),
        patch.object(sentinel, "group_send_all", group_send_all),
    ):
        layer.send_group("staff.x", {"type": "staff.event"})
    assert sent == [("staff.x", 1)]


def test_a_full_channel_is_skipped_and_logged_as_upstream_does(caplog: pytest.LogCaptureFixture) -> None:
    logged = []
    for layer_class in (RedisChannelLayer, layer.PipelinedRedisChannelLayer):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="channels_redis.core"):
            held, _, _ = asyncio.run(_sends_and_receipts(layer_class, capacity=1))
        logged.append((held, [r.getMessage() for r in caplog.records if "over capacity" in r.getMessage()]))
    # A process's channels share one Redis queue, holding one copy for both: the first event; the next two did not fit.
    assert logged[1] == logged[0] == ([[0], [0], []], ["1 of 2 channels over capacity in group guest.1"] * 2)


@contextlib.asynccontextmanager
async def _receiving_layer(layer_class: type) -> AsyncIterator[RedisChannelLayer]:
    channel_layer = layer_class(hosts=[{"address": settings.REDIS_URL}], prefix=f"test-recv-{uuid.uuid4().hex[:8]}")
    channel_layer.brpop_timeout = 1  # an idle pop returns within a second (upstream waits 5)
    try:
        yield channel_layer
    finally:
        await channel_layer.flush()
        await channel_layer.close_pools()


async def _round_trips_receiving(layer_class: type) -> tuple[list[int], int]:
    async with _receiving_layer(layer_class) as channel_layer:
        channel = await channel_layer.new_channel()
        for n in range(3):
            await channel_layer.send(channel, {"type": "guest.event", "n": n})
        _counting.calls.clear()
        with patch.object(Redis, "execute_command", _counting(Redis.execute_command, in_pipelines=False)):
            received = [(await asyncio.wait_for(channel_layer.receive(channel), 5))["n"] for _ in range(3)]
            await channel_layer.wait_received()  # upstream's clean-up of its backup queue, in the background
        return received, len(_counting.calls)


def test_a_received_event_costs_one_round_trip_instead_of_four() -> None:
    assert asyncio.run(_round_trips_receiving(RedisChannelLayer)) == ([0, 1, 2], 4 * 3)
    assert asyncio.run(_round_trips_receiving(layer.PipelinedRedisChannelLayer)) == ([0, 1, 2], 3)


async def _cancelled_while_popping(layer_class: type) -> list[Any]:
    """A socket's receive is cancelled (the socket closing) after Redis popped an event for another socket of the
    process and before the reply was read; what the other socket then receives."""
    popped, reply_read = asyncio.Event(), asyncio.Event()
    real_pop = Redis.bzpopmin

    async def slow_reply(self: Redis, *args: Any, **kwargs: Any) -> Any:
        result = await real_pop(self, *args, **kwargs)  # popped in Redis
        if result is not None:
            popped.set()
            await reply_read.wait()  # the reply still on its way to us
        return result

    async with _receiving_layer(layer_class) as channel_layer:
        closing, other = await channel_layer.new_channel(), await channel_layer.new_channel()
        with patch.object(Redis, "bzpopmin", slow_reply):
            closing_receive = asyncio.ensure_future(channel_layer.receive(closing))
            await asyncio.sleep(0.05)  # its pop is waiting in Redis for the process's next event
            await channel_layer.send(other, {"type": "guest.event", "event": "hello"})
            await asyncio.wait_for(popped.wait(), 5)
            closing_receive.cancel()
            with pytest.raises(asyncio.CancelledError):
                await closing_receive
            reply_read.set()
            received = []
            with contextlib.suppress(TimeoutError):
                while True:
                    received.append((await asyncio.wait_for(channel_layer.receive(other), 1.5))["event"])
            return received


def test_an_event_popped_as_a_receive_is_cancelled_is_delivered_once() -> None:
    # Upstream's backup queue does not cover this moment: the event is gone. Here it reaches its socket, once.
    assert asyncio.run(_cancelled_while_popping(RedisChannelLayer)) == []
    assert asyncio.run(_cancelled_while_popping(layer.PipelinedRedisChannelLayer)) == ["hello"]


async def _receiving_through_cancellations(events: int) -> tuple[list[int], int]:
    rng = random.Random(7)
    async with _receiving_layer(layer.PipelinedRedisChannelLayer) as channel_layer:
        channel = await channel_layer.new_channel()

        async def send_all() -> None:
            for n in range(events):
                await channel_layer.send(channel, {"type": "guest.event", "n": n})
                await asyncio.sleep(rng.choice((0, 0, 0.001, 0.003)))

        sender = asyncio.ensure_future(send_all())
        received: list[int] = []
        cancelled = 0
        deadline = asyncio.get_running_loop().time() + 30
        while len(received) < events and asyncio.get_running_loop().time() < deadline:
            try:  # many receives cancelled mid-pop, as sockets close
                received.append((await asyncio.wait_for(channel_layer.receive(channel), rng.random() / 200))["n"])
            except TimeoutError:
                cancelled += 1
        await sender
        with contextlib.suppress(TimeoutError):
            received.append((await asyncio.wait_for(channel_layer.receive(channel), 1.5))["n"])  # nothing more
        return received, cancelled


def test_receives_cancelled_at_random_lose_and_repeat_nothing() -> None:
    received, cancelled = asyncio.run(_receiving_through_cancellations(300))
    assert received == list(range(300))
    assert cancelled > 30  # the test did cancel reads, many of them with a pop in flight


async def _pop_failing_after_its_caller_left() -> list[Any]:
    """A receive is cancelled; its pop then fails (Redis restarting). The next receive pops again, and gets the
    events sent since, not the old error."""
    failed, real_pop = asyncio.Event(), Redis.bzpopmin

    async def failing_once(self: Redis, *args: Any, **kwargs: Any) -> Any:
        if not failed.is_set():
            await asyncio.sleep(0.1)
            failed.set()
            raise ConnectionError("Redis is restarting")
        return await real_pop(self, *args, **kwargs)

    async with _receiving_layer(layer.PipelinedRedisChannelLayer) as channel_layer:
        channel = await channel_layer.new_channel()
        with patch.object(Redis, "bzpopmin", failing_once):
            closing_receive = asyncio.ensure_future(channel_layer.receive(channel))
            await asyncio.sleep(0.02)
            closing_receive.cancel()
            await asyncio.wait_for(failed.wait(), 5)
            await channel_layer.send(channel, {"type": "guest.event", "event": "after"})
            return [(await asyncio.wait_for(channel_layer.receive(channel), 3))["event"]]


def test_a_pop_that_failed_with_no_one_waiting_is_tried_again() -> None:
    assert asyncio.run(_pop_failing_after_its_caller_left()) == ["after"]


async def _queued_bytes_against_upstreams(message: dict[str, Any], local: int, others: int) -> list[tuple[Any, Any]]:
    """One group send of `message` to `local` channels of one process, `others` of another and one general
    channel: each queue's message as the one-round-trip script wrote it, and as channels_redis writes it for the
    same members (both without the random prefix)."""
    prefix = f"test-bytes-{uuid.uuid4().hex[:8]}"
    ours = layer.PipelinedRedisChannelLayer(hosts=[{"address": settings.REDIS_URL}], prefix=prefix)
    other = layer.PipelinedRedisChannelLayer(hosts=[{"address": settings.REDIS_URL}], prefix=prefix)
    try:
        channels = [await ours.new_channel() for _ in range(local)] + [await other.new_channel() for _ in range(others)]
        for channel in [*channels, "general.channel"]:
            await ours.group_add("guest.1", channel)
        await ours.group_send("guest.1", message)
        connection = ours.connection(0)
        members = [m.decode() for m in await connection.zrange(ours._group_key("guest.1"), 0, -1)]
        by_connection, upstreams, _ = RedisChannelLayer._map_channel_keys_to_connection(ours, members, message)
        pairs = []
        for queue in by_connection[0]:
            (written,) = await connection.zrange(queue, 0, -1)
            pairs.append((written[12:], upstreams[queue][12:]))
        return pairs
    finally:
        await ours.flush()
        await ours.close_pools()
        await other.close_pools()


@pytest.mark.parametrize(
    ("message", "local", "others"),
    [
        ({"type": "guest.event", "event": "token", "payload": {"text": "Sarapan dihidang 7–10 pagi. " * 40}}, 1, 0),
        ({"type": "guest.event", "event": "reset", "payload": {}}, 3, 2),
        ({"type": "staff.event", "event": "message.new", "payload": {"n": 1.5, "ids": [1, 2], "none": None}}, 20, 1),
    ],
)
def test_the_one_round_trip_group_send_queues_upstreams_bytes(message: dict[str, Any], local: int, others: int) -> None:
    pairs = asyncio.run(_queued_bytes_against_upstreams(message, local, others))
    assert len(pairs) == (2 if others else 1) + 1  # a queue per process and the general channel's
    assert all(written == upstream for written, upstream in pairs)


def test_a_layer_the_script_cannot_write_for_sends_as_before() -> None:
    # Encrypted messages, capacities by name, another serializer: the two-round-trip path, upstream's bytes.
    for options in (
        {"symmetric_encryption_keys": ["k"]},
        {"channel_capacity": {"guest.*": 5}},
        {"serializer_format": "json"},
    ):
        channel_layer = layer.PipelinedRedisChannelLayer(hosts=[{"address": settings.REDIS_URL}], **options)
        assert channel_layer._one_trip_args([{"type": "guest.event"}]) is None
    plain = layer.PipelinedRedisChannelLayer(hosts=[{"address": settings.REDIS_URL}])
    assert plain._one_trip_args([{"type": "guest.event"}, {"type": "guest.event", "__asgi_channel__": ["x"]}]) is None
    assert plain._one_trip_args([{"type": "guest.event"}]) is not None


async def _batch_received(blocking: bool) -> tuple[list[int], int]:
    channel_layer = layer.PipelinedRedisChannelLayer(
        hosts=[{"address": settings.REDIS_URL}], prefix=f"test-batch-{uuid.uuid4().hex[:8]}"
    )
    try:
        channel = await channel_layer.new_channel()
        await channel_layer.group_add("guest.1", channel)
        messages = [{"type": "guest.event", "n": n} for n in range(40)]
        _counting.calls.clear()
        with (
            patch.object(Redis, "execute_command", _counting(Redis.execute_command, in_pipelines=False)),
            patch.object(BlockingRedis, "execute_command", _counting_blocking(BlockingRedis.execute_command)),
        ):
            if blocking:
                assert await asyncio.to_thread(channel_layer.group_send_blocking, "guest.1", *messages)
            else:
                await channel_layer.group_send_all("guest.1", messages)
        round_trips = len(_counting.calls)
        received = [(await asyncio.wait_for(channel_layer.receive(channel), 5))["n"] for _ in messages]
        return received, round_trips
    finally:
        await channel_layer.flush()
        await channel_layer.close_pools()


@pytest.mark.parametrize("blocking", [False, True])
def test_a_streams_last_events_go_in_one_round_trip_and_arrive_in_order(blocking: bool) -> None:
    assert asyncio.run(_batch_received(blocking)) == (list(range(40)), 1)
