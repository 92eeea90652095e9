"""What a guest may see of a conversation: no internal metadata, no other guest's anything."""

from __future__ import annotations

from typing import Any

from conversations.models import Conversation, Message, MessageRole
from properties.services import staff_names

GUEST_VISIBLE_ROLES = (MessageRole.GUEST, MessageRole.AI, MessageRole.STAFF)


def message_payload(message: Message) -> dict[str, Any]:
    payload = {
        "id": message.pk,
        "role": message.role,
        "content": message.content,
        "created_at": message.created_at.isoformat(),
    }
    if message.role == MessageRole.STAFF and message.sent_by_user_id:  # the widget names the person answering
        payload["sender"] = staff_names([message.sent_by_user_id], for_guests=True).get(message.sent_by_user_id, "")
    return payload


def conversation_payload(conversation: Conversation, messages: list[Message]) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "status": conversation.status,
        "is_after_hours": conversation.is_after_hours,
        "messages": [message_payload(m) for m in messages if m.role in GUEST_VISIBLE_ROLES],
    }
