"""Channel-layer sends from synchronous code, on one long-lived event loop per process.

Plain `async_to_sync(layer.group_send)` from a thread that no event loop owns (a Celery worker's
task, a management command) starts a thread, a new event loop and a new Redis connection (with its
handshake) for every send, then throws all three away: the worker's staff-inbox event cost a turn
that much (docs/perf/README.md). Here the process keeps one loop thread instead, so the Redis
layer's connections for that loop live as long as the process.

A thread that asgiref runs for an event loop (daphne's request threads) already sends on that
loop through `async_to_sync`, with its connections; `send_group` keeps doing that there unless the
process said it has no such loop (`use_own_loop`, called in each Celery pool process).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

SEND_TIMEOUT = 10.0  # seconds a send may take before the caller gives up on it

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()
_own_loop_for_sync_sends = False


def background_loop() -> asyncio.AbstractEventLoop:
    """This process's loop for channel-layer work started from synchronous code (started on first use)."""
    global _loop
    with _loop_lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="channel-layer", daemon=True).start()
            _loop = loop
        return _loop


def use_own_loop() -> None:
    """In a forked worker process: forget the parent's loop (its thread does not exist here), and send
    every synchronous `send_group` on this process's own loop."""
    global _loop, _own_loop_for_sync_sends
    _loop = None
    _own_loop_for_sync_sends = True


def run(coroutine: Coroutine[Any, Any, Any], timeout: float = SEND_TIMEOUT) -> Any:
    """Run `coroutine` on the background loop and wait for its result."""
    return asyncio.run_coroutine_threadsafe(coroutine, background_loop()).result(timeout)


def send_group(group: str, message: dict[str, Any]) -> None:
    """`group_send`, delivered before returning, from synchronous code."""
    layer = get_channel_layer()
    if _own_loop_for_sync_sends:
        run(layer.group_send(group, message))
    else:
        async_to_sync(layer.group_send)(group, message)
