"""Live events to a guest's widget over the Channels Redis layer.

Workers stream a reply token by token. Two costs are kept off the turn: a fresh event loop per
send (plain async_to_sync) would open a new Redis connection each time, so the sends run on the
process's one channel-layer loop (`core.layer`); and the generator never waits for the transport:
a `GuestStream` queues events and one drain task sends them in order, merging the tokens that
piled up while a send was in flight (a model streams slower than Redis; the offline provider does not).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import structlog
from channels.layers import get_channel_layer
from django_tenants.utils import schema_context

from conversations.models import Channel, Conversation
from core import layer
from core.languages import spoken

SEND_TIMEOUT = layer.SEND_TIMEOUT
GUEST_EVENT = "guest.event"  # the type of every message to a guest's group (GuestConsumer passes them on)

log = structlog.get_logger(__name__)


def guest_group(schema_name: str, conversation_id: int) -> str:
    return f"guest.{schema_name}.{conversation_id}"


def _merged(batch: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for event, payload in batch:
        if event == "token" and out and out[-1][0] == "token":
            out[-1] = ("token", {"text": out[-1][1]["text"] + payload["text"]})
        elif event == "reset":
            while out and out[-1][0] == "token":  # never shown, so never needs taking back
                out.pop()
            out.append((event, payload))
        else:
            out.append((event, payload))
    return out


class GuestStream:
    """Ordered, non-blocking delivery of one conversation's events to its sockets."""

    def __init__(self, schema_name: str, conversation_id: int) -> None:
        self.group = guest_group(schema_name, conversation_id)
        self._pending: list[tuple[str, Any]] = []
        self._lock = threading.Lock()
        # flush() sleeps on this until the drain task has sent everything (it used to poll every 2 ms).
        self._idle = threading.Condition(self._lock)
        self._draining = False
        self.sends = 0

    def push(self, event: str, payload: dict[str, Any]) -> None:
        with self._lock:
            self._pending.append((event, payload))
            if self._draining:
                return
            self._draining = True
        asyncio.run_coroutine_threadsafe(self._drain(), layer.background_loop())

    async def _drain(self) -> None:
        transport = get_channel_layer()
        try:
            while True:
                with self._lock:
                    batch, self._pending = self._pending, []
                    if not batch:
                        self._draining = False  # set under the lock that push() checks: no event is stranded
                        self._idle.notify_all()
                        return
                events = [
                    {"type": GUEST_EVENT, "event": event, "payload": payload} for event, payload in _merged(batch)
                ]
                if isinstance(transport, layer.PipelinedRedisChannelLayer):  # in order, in one round trip
                    await transport.group_send_all(self.group, events)
                else:
                    for message in events:
                        await transport.group_send(self.group, message)
                self.sends += len(events)
        except BaseException:
            with self._lock:
                self._draining = False
                self._idle.notify_all()
            raise

    def flush(self, timeout: float = SEND_TIMEOUT) -> bool:
        """Wait until everything pushed so far has been sent; False if it took longer than `timeout`."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._draining and not self._pending, timeout)

    def finish(self, event: str, payload: dict[str, Any], timeout: float = SEND_TIMEOUT) -> bool:
        """The stream's last event, sent after everything pushed before it, before returning; False if a send in
        flight took longer than `timeout` (the event is then left to the drain) or the event could not be sent.

        `push` then `flush`, without the loop thread: the caller waits for the send anyway, so the event (with the
        tokens still queued) goes out from this thread on the layer's blocking client (`layer.send_group_all`), not
        through a drain task on the loop and a wait for it there: one thread hand-off a turn fewer, and redis'
        blocking client instead of its asyncio one (docs/benchmarks.md, p33)."""
        with self._idle:
            if not self._idle.wait_for(lambda: not self._draining, timeout):
                self._pending.append((event, payload))  # the drain in flight takes it
                return False
            batch, self._pending = [*self._pending, (event, payload)], []
            self._draining = True  # a push from another thread meanwhile waits in _pending
        sent = True
        try:
            events = [{"type": GUEST_EVENT, "event": name, "payload": data} for name, data in _merged(batch)]
            layer.send_group_all(self.group, events)  # in order, in one round trip (the tokens left and the reply)
            self.sends += len(events)
        except Exception as exc:  # as a drain's failed send: the reply is stored; the widget reads it on reconnect
            log.warning("guest_event_not_sent", group=self.group, error=f"{type(exc).__name__}: {exc}")
            sent = False
        with self._lock:
            self._draining = False
            self._idle.notify_all()
            if not self._pending:
                return sent
            self._draining = True
        asyncio.run_coroutine_threadsafe(self._drain(), layer.background_loop())
        return sent


def send_to_guest(schema_name: str, conversation_id: int, event: str, payload: dict[str, Any]) -> None:
    """One event, delivered before returning (staff messages and other single events)."""
    GuestStream(schema_name, conversation_id).finish(event, payload)


OUR_TEAM = {"en": "Our team", "ms": "Pasukan kami"}


def staff_typing_to_guest(schema_name: str, conversation_id: int, staff_name: str) -> bool:
    """The staff websocket's typing hook: a widget guest sees "Aina is typing…"; False if no such conversation."""
    with schema_context(schema_name):
        found = Conversation.objects.filter(pk=conversation_id).values_list("channel", "guest__language").first()
    if found is None:
        return False
    channel, language = found
    if channel == Channel.WEB:  # WhatsApp shows its own typing state (mark_read_with_typing); e-mail has none
        name = staff_name or OUR_TEAM[spoken(language)]  # someone who gave no name: "Our team is typing…"
        send_to_guest(schema_name, conversation_id, "typing", {"name": name})
    return True
