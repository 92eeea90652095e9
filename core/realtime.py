"""The one shape of our websockets: join one channel-layer group, say hello, answer pings, pass on the group's events.

Each feed (a guest's conversation, a property's staff) says which group it joins and what its hello
carries; who may join was decided before the consumer runs (the feed's auth middleware).
"""

from __future__ import annotations

from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer


class GroupFeed(AsyncJsonWebsocketConsumer):
    group_name: str
    event_type: str  # the type of the group's messages ("guest.event"), passed on to the socket as they are
    # False for a feed none of whose handlers touches the database (its middleware did the reads before it ran).
    reads_database: bool = True

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes stale database connections before every message a consumer handles: a hop to a
        # thread and back. The group's events touch no database and come several to a guest turn (the reply's
        # tokens, the stored reply, the staff inbox's), so they skip it; the socket's own messages (connect,
        # pings, disconnect) skip it too where the feed reads no database, else they take Channels' path.
        # (Channels' `websocket_disconnect` closes them once more on its own, after `disconnect`: that one stays.)
        if message.get("type") == self.event_type:
            await self.forward(message)
            return
        handler = None if self.reads_database else getattr(self, get_handler_name(message), None)
        if handler is None:
            await super().dispatch(message)
            return
        await handler(message)

    async def join(self, group_name: str, hello: dict[str, Any]) -> None:
        self.group_name = group_name
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()
        await self.send_json({"event": "hello", "payload": hello})

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group_name"):
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Clients send their writes over HTTP (authenticated, throttled); the socket only answers pings.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"event": "pong", "payload": {}})

    async def forward(self, message: dict[str, Any]) -> None:
        await self.send_json({"event": message["event"], "payload": message["payload"]})
