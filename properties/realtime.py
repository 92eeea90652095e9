"""Live events to a property's signed-in staff (Channels groups on the Redis layer)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def staff_group(schema_name: str) -> str:
    return f"staff.{schema_name}"


def notify_staff(schema_name: str, event_type: str, payload: dict[str, Any]) -> None:
    """Send an event to every staff socket of the property, once the current transaction commits."""

    def send() -> None:
        layer = get_channel_layer()
        async_to_sync(layer.group_send)(
            staff_group(schema_name), {"type": "staff.event", "event": event_type, "payload": payload}
        )

    transaction.on_commit(send)
