from __future__ import annotations

from typing import Any

from core.realtime import GroupFeed
from properties.realtime import staff_group


class StaffConsumer(GroupFeed):
    """A signed-in staff member's live feed for one property.

    The connection only gets here through `nocturn.ws.StaffAuthMiddleware`, which has already
    resolved the property from the host and checked the membership.
    """

    async def connect(self) -> None:
        property_ = self.scope["property"]
        await self.join(staff_group(property_.schema_name), {"property": property_.name, "role": self.scope["role"]})

    async def staff_event(self, message: dict[str, Any]) -> None:  # the group's "staff.event" messages
        await self.forward(message)
