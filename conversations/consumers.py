from __future__ import annotations

from typing import Any

from conversations.realtime import guest_group
from core.realtime import GroupFeed


class GuestConsumer(GroupFeed):
    """One widget's live feed: the AI reply as it streams, then staff messages.

    Reached only through `GuestAuthMiddleware`, which has checked the token, key and origin and
    put the property in the scope; this consumer itself reads no database.
    """

    async def connect(self) -> None:
        conversation_id = self.scope["conversation_id"]
        group = guest_group(self.scope["property"].schema_name, conversation_id)
        await self.join(group, {"conversation_id": conversation_id})

    async def guest_event(self, message: dict[str, Any]) -> None:  # the group's "guest.event" messages
        await self.forward(message)
