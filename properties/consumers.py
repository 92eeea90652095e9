from __future__ import annotations

import time
from typing import Any

from channels.db import database_sync_to_async

from core.realtime import GroupFeed
from properties.models import Role
from properties.permissions import PLATFORM_ADMIN
from properties.realtime import STAFF_EVENT, staff_group, staff_typing
from properties.services import staff_name

TYPING_ROLES = {Role.MANAGER, Role.AGENT, PLATFORM_ADMIN}
TYPING_EVERY = 2.0  # seconds between two announcements of one person typing in one conversation


class StaffConsumer(GroupFeed):
    """A signed-in staff member's live feed for one property.

    The connection only gets here through `nocturn.ws.StaffAuthMiddleware`, which has already
    resolved the property from the host and checked the membership.
    """

    event_type = STAFF_EVENT

    async def connect(self) -> None:
        self._last_typing: dict[int, float] = {}
        property_ = self.scope["property"]
        await self.join(staff_group(property_.schema_name), {"property": property_.name, "role": self.scope["role"]})

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "typing":  # the one thing staff say over the socket: it is not a write
            await self._typing(content.get("conversation_id"))
        else:
            await super().receive_json(content, **kwargs)

    async def _typing(self, conversation_id: Any) -> None:
        """ "Aina is typing" to colleagues and to the guest: writers only (403), a conversation of this
        property only (404), at most one announcement per conversation every TYPING_EVERY seconds."""
        if self.scope["role"] not in TYPING_ROLES:
            await self.send_json({"event": "error", "payload": {"status": 403, "detail": "Viewers cannot reply."}})
            return
        if not isinstance(conversation_id, int) or isinstance(conversation_id, bool):
            await self.send_json({"event": "error", "payload": {"status": 400, "detail": "conversation_id: a number"}})
            return
        now = time.monotonic()
        if now - self._last_typing.get(conversation_id, -TYPING_EVERY) < TYPING_EVERY:
            return
        self._last_typing[conversation_id] = now
        property_, user = self.scope["property"], self.scope["user"]
        name = staff_name(user)
        # The guest hears a name only one the person gave (`staff_name`); colleagues, the one they know.
        guest_name = staff_name(user, for_guests=True)
        exists = await database_sync_to_async(staff_typing)(property_.schema_name, conversation_id, guest_name)
        if not exists:
            await self.send_json({"event": "error", "payload": {"status": 404, "detail": "No such conversation."}})
            return
        await self.channel_layer.group_send(
            self.group_name,
            {
                "type": STAFF_EVENT,
                "event": "staff.typing",
                "payload": {"conversation_id": conversation_id, "user_id": user.pk, "name": name},
            },
        )
