"""CPU of one channel-layer send from synchronous code, and of Channels' database hop per consumer message.

    .venv/bin/python bench/layer_sends.py [--sends 300]

Against the real Redis channel layer (REDIS_URL), in this process, CPU seconds from `time.process_time()` (every
thread of the process; Redis' own CPU not counted):

- a worker's staff-inbox event as it was sent before w20e: `async_to_sync(layer.group_send)` from a thread with
  no event loop (asgiref starts a thread and a loop per call, and the layer a Redis connection per loop);
- the same send on the process's own loop (a Celery pool process's before p28e), and from the calling thread on a
  blocking client (`core.layer.send_group` after `use_own_loop()`, as in a Celery pool process now), to a group
  nobody is in and to one a socket has joined;
- `channels.db.aclose_old_connections()` awaited on an event loop, as Channels does before every message a
  consumer handles (what a group feed's events now skip in daphne);
- an event received on a process-local channel (a socket's, in daphne), by channels_redis' own layer and by
  `core.layer.PipelinedRedisChannelLayer` (p28d), the events queued untimed in batches.

The guest turn's CPU figures on a shared machine move by more than these costs from run to run
(`docs/benchmarks.md`); measured alone, each is a figure of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocturn.settings")

import django

django.setup()

from asgiref.sync import async_to_sync  # noqa: E402
from channels.db import aclose_old_connections  # noqa: E402
from channels.layers import get_channel_layer  # noqa: E402
from channels_redis.core import RedisChannelLayer  # noqa: E402
from django.conf import settings  # noqa: E402

from core import layer  # noqa: E402

GROUP = "bench.layer-sends"  # nobody listens: a send still reads the group and runs the layer's script
MEMBERS_GROUP = "bench.layer-sends-joined"
BATCH = 50


def cpu_ms_per_call(call: Callable[[], None], calls: int) -> float:
    call()  # the first pays for imports and connections
    started = time.process_time()
    for _ in range(calls):
        call()
    return 1000 * (time.process_time() - started) / calls


def cpu_ms_per_send_to_a_member(
    channel_layer: Any, message: dict[str, Any], calls: int, send: Callable[[str, dict[str, Any]], None]
) -> float:
    """`send` to a group with one member, its queue emptied (untimed) every `BATCH` sends so it never reaches
    the layer's capacity (past which a send skips the member)."""
    member = layer.run(channel_layer.new_channel())
    layer.run(channel_layer.group_add(MEMBERS_GROUP, member))
    queue = channel_layer.prefix + channel_layer.non_local_name(member)
    batches, spent = max(1, calls // BATCH), 0.0

    async def empty_the_queue() -> None:
        await channel_layer.connection(0).delete(queue)

    try:
        for batch in range(batches + 1):  # the first pays for the connection, untimed
            started = time.process_time()
            for _ in range(BATCH):
                send(MEMBERS_GROUP, message)
            spent += time.process_time() - started if batch else 0.0
            layer.run(empty_the_queue())
    finally:
        layer.run(channel_layer.group_discard(MEMBERS_GROUP, member))
    return 1000 * spent / (batches * BATCH)


def cpu_ms_per_receive(layer_class: type, message: dict[str, Any], calls: int) -> float:
    """An event received on a socket's channel, on one event loop; the events are queued (untimed) `BATCH` at a
    time, and upstream's background clean-up of its backup queue is waited for inside the timing."""
    channel_layer = layer_class(hosts=[{"address": settings.REDIS_URL}], prefix=f"bench-receive-{os.getpid()}")

    async def measure() -> float:
        channel = await channel_layer.new_channel()
        spent = 0.0
        try:
            for batch in range(max(1, calls // BATCH) + 1):  # the first pays for the connection, untimed
                for _ in range(BATCH):
                    await channel_layer.send(channel, message)
                started = time.process_time()
                for _ in range(BATCH):
                    await channel_layer.receive(channel)
                await channel_layer.wait_received()
                spent += time.process_time() - started if batch else 0.0
        finally:
            await channel_layer.flush()
        return 1000 * spent / (max(1, calls // BATCH) * BATCH)

    return asyncio.run(measure())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sends", type=int, default=300)
    calls = parser.parse_args().sends
    message = {"type": "staff.event", "event": "message.new", "payload": {"conversation_id": 1, "text": "x" * 200}}
    channel_layer = get_channel_layer()
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"{calls} calls each, load average {load}")

    before = cpu_ms_per_call(lambda: async_to_sync(channel_layer.group_send)(GROUP, message), calls)
    print(f"  group_send, async_to_sync from a thread without a loop (the worker before): {before:.3f} ms CPU")
    layer.use_own_loop()

    def on_loop(group: str, message: dict[str, Any]) -> None:
        layer.run(channel_layer.group_send(group, message))

    after = cpu_ms_per_call(lambda: on_loop(GROUP, message), calls)
    print(f"  group_send on the process's own loop (core.layer, the worker before p28e):  {after:.3f} ms CPU")
    blocking = cpu_ms_per_call(lambda: layer.send_group(GROUP, message), calls)
    print(f"  the same from the calling thread, blocking client (the worker now):         {blocking:.3f} ms CPU")
    joined = cpu_ms_per_send_to_a_member(channel_layer, message, calls, on_loop)
    print(f"  on the loop to a group one socket has joined (a guest's reply):             {joined:.3f} ms CPU")
    joined = cpu_ms_per_send_to_a_member(channel_layer, message, calls, layer.send_group)
    print(f"  blocking, to a group one socket has joined:                                 {joined:.3f} ms CPU")

    event = {"type": "guest.event", "event": "token", "payload": {"text": "x" * 40}}
    upstream = cpu_ms_per_receive(RedisChannelLayer, event, calls)
    ours = cpu_ms_per_receive(layer.PipelinedRedisChannelLayer, event, calls)
    print(
        f"  an event received on a socket's channel, channels_redis / core.layer:    {upstream:.3f} / {ours:.3f} ms CPU"
    )

    loop = asyncio.new_event_loop()
    hop = cpu_ms_per_call(lambda: loop.run_until_complete(aclose_old_connections()), calls)
    bare = cpu_ms_per_call(lambda: loop.run_until_complete(asyncio.sleep(0)), calls)
    print(f"  Channels' database hop per consumer message (minus a bare loop step):     {hop - bare:.3f} ms CPU")
    loop.close()


if __name__ == "__main__":
    main()
