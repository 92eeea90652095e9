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


class QuietFeed(Feed):
    reads_database = False


def test_a_feed_that_reads_no_database_skips_the_hop_for_the_sockets_own_messages_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hops: list[str] = []

    async def counted() -> None:
        hops.append("close")

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", counted)

    async def scenario() -> None:
        socket = WebsocketCommunicator(QuietFeed.as_asgi(), "/ws/feed/")
        connected, _ = await socket.connect()
        assert connected
        assert await socket.receive_json_from(timeout=5) == {"event": "hello", "payload": {"hello": True}}
        await get_channel_layer().group_send("feed-test", {"type": "feed.event", "event": "token", "payload": {}})
        assert await socket.receive_json_from(timeout=5) == {"event": "token", "payload": {}}
        await socket.send_json_to({"type": "ping"})
        assert await socket.receive_json_from(timeout=5) == {"event": "pong", "payload": {}}
        await socket.disconnect()
        # Its group was left on disconnect: a later event reaches no one.
        assert not await get_channel_layer().connection(0).zcard(get_channel_layer()._group_key("feed-test"))

    asyncio.run(scenario())
    assert hops == []
    with pytest.raises(ValueError, match="No handler"):  # a message it has no handler for still fails as before
        asyncio.run(QuietFeed().dispatch({"type": "nothing.here"}))


def test_the_guest_feed_reads_no_database() -> None:
    from conversations.consumers import GuestConsumer

    assert GuestConsumer.reads_database is False
