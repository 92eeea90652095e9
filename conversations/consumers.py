from __future__ import annotations

from conversations.realtime import GUEST_EVENT, guest_group
from core.realtime import GroupFeed


class GuestConsumer(GroupFeed):
    """One widget's live feed: the AI reply as it streams, then staff messages.

    Reached only through `GuestAuthMiddleware`, which has checked the token, key and origin and
    put the property in the scope; this consumer itself reads no database.
    """

    event_type = GUEST_EVENT
    reads_database = False  # its socket's connect, pings, disconnect: no database hop before them

    async def connect(self) -> None:
        conversation_id = self.scope["conversation_id"]
        group = guest_group(self.scope["property"].schema_name, conversation_id)
        await self.join(group, {"conversation_id": conversation_id})
