from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from properties.realtime import staff_group


class StaffConsumer(AsyncJsonWebsocketConsumer):
    """A signed-in staff member's live feed for one property.

    The connection only gets here through `nocturn.ws.StaffAuthMiddleware`, which has already
    resolved the property from the host and checked the membership.
    """

    async def connect(self) -> None:
        property_ = self.scope["property"]
        self.group_name = staff_group(property_.schema_name)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()
        await self.send_json({"event": "hello", "payload": {"property": property_.name, "role": self.scope["role"]}})

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group_name"):
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"event": "pong", "payload": {}})

    async def staff_event(self, message: dict[str, Any]) -> None:
        await self.send_json({"event": message["event"], "payload": message["payload"]})
