"""Live events to a property's signed-in staff (Channels groups on the Redis layer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from core import layer

STAFF_EVENT = "staff.event"  # the type of every message to a property's staff group (StaffConsumer passes them on)


def staff_group(schema_name: str) -> str:
    return f"staff.{schema_name}"


def notify_staff(schema_name: str, event_type: str, payload: dict[str, Any]) -> None:
    """Send an event to every staff socket of the property, once the current transaction commits."""

    def send() -> None:
        layer.send_group(staff_group(schema_name), {"type": STAFF_EVENT, "event": event_type, "payload": payload})

    transaction.on_commit(send)


# Staff typing in a conversation: the conversations app (above this one) registers what else must hear it
# (the guest's widget) and answers whether the conversation exists in the schema; this layer cannot look.
StaffTypingHook = Callable[[str, int, str], bool]
_typing_hooks: list[StaffTypingHook] = []


def register_staff_typing(hook: StaffTypingHook) -> None:
    """`hook(schema_name, conversation_id, staff_name) -> bool`: False when there is no such conversation."""
    if hook not in _typing_hooks:
        _typing_hooks.append(hook)


def staff_typing(schema_name: str, conversation_id: int, staff_name: str) -> bool:
    """Run the registered hooks (in a thread: they touch the database); False if any says there is no such
    conversation, so the typing is not announced to colleagues either."""
    return bool(_typing_hooks) and all(hook(schema_name, conversation_id, staff_name) for hook in _typing_hooks)
