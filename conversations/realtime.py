"""Live events to a guest's widget over the Channels Redis layer.

Workers stream a reply token by token; a fresh event loop per send (plain async_to_sync) would
open a new Redis connection each time, so each process keeps one loop thread for the layer.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from typing import Any

from channels.layers import get_channel_layer

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()
SEND_TIMEOUT = 5.0


def guest_group(schema_name: str, conversation_id: int) -> str:
    return f"guest.{schema_name}.{conversation_id}"


def _background_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _loop_lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="guest-realtime", daemon=True).start()
            _loop = loop
        return _loop


def send_to_guest(schema_name: str, conversation_id: int, event: str, payload: dict[str, Any]) -> None:
    """Deliver one event to every socket of the conversation (in order: each send is awaited)."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "guest.event", "event": event, "payload": payload}
    future: Future[None] = asyncio.run_coroutine_threadsafe(
        layer.group_send(guest_group(schema_name, conversation_id), message), _background_loop()
    )
    future.result(timeout=SEND_TIMEOUT)


def reset_after_fork() -> None:
    """A forked worker child must not reuse its parent's loop thread (it does not exist in the child)."""
    global _loop
    _loop = None
