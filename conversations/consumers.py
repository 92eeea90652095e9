from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from conversations.realtime import guest_group


class GuestConsumer(AsyncJsonWebsocketConsumer):
    """One widget's live feed: the AI reply as it streams, then staff messages.

    Reached only through `GuestAuthMiddleware`, which has checked the token, key and origin and
    put the property in the scope; this consumer itself reads no database.
    """

    async def connect(self) -> None:
        self.group_name = guest_group(self.scope["property"].schema_name, self.scope["conversation_id"])
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()
        await self.send_json({"event": "hello", "payload": {"conversation_id": self.scope["conversation_id"]}})

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group_name"):
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Guests send messages over HTTP (authenticated, throttled); the socket only answers pings.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"event": "pong", "payload": {}})

    async def guest_event(self, message: dict[str, Any]) -> None:
        await self.send_json({"event": message["event"], "payload": message["payload"]})
