"""A group feed (core/realtime.py) on the real Redis channel layer: the group's events reach the socket without
Channels' database hop; the socket's own messages still take it."""

from __future__ import annotations

import asyncio

import channels.consumer
import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from core.realtime import GroupFeed


class Feed(GroupFeed):
    event_type = "feed.event"

    async def connect(self) -> None:
        await self.join("feed-test", {"hello": True})


def test_group_events_reach_the_socket_without_closing_database_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    hops: list[str] = []
    real_close = channels.consumer.aclose_old_connections

    async def counted() -> None:
        hops.append("close")
        await real_close()

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", counted)

    async def scenario() -> tuple[list[dict], int, int]:
        socket = WebsocketCommunicator(Feed.as_asgi(), "/ws/feed/")
        connected, _ = await socket.connect()
        assert connected
        assert await socket.receive_json_from(timeout=5) == {"event": "hello", "payload": {"hello": True}}
        after_connect = len(hops)
        layer = get_channel_layer()
        for n in range(3):
            await layer.group_send("feed-test", {"type": "feed.event", "event": "token", "payload": {"n": n}})
        events = [await socket.receive_json_from(timeout=5) for _ in range(3)]
        after_events = len(hops)
        await socket.send_json_to({"type": "ping"})  # the socket's own message: Channels' usual path
        assert await socket.receive_json_from(timeout=5) == {"event": "pong", "payload": {}}
        await socket.disconnect()
        return events, after_connect, after_events

    events, after_connect, after_events = asyncio.run(scenario())
    assert [e["payload"]["n"] for e in events] == [0, 1, 2]
    assert after_connect >= 1  # connecting still took the hop
    assert after_events == after_connect  # three group events: none
    assert len(hops) > after_events  # the ping did
