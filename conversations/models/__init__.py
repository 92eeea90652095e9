"""Tenant schema models of the conversations app, split by concern.

- core: guests, their identities, conversations, messages, session state
"""

from conversations.models.core import (
    AiMode,
    Channel,
    Conversation,
    ConversationStatus,
    Guest,
    GuestIdentity,
    Language,
    Message,
    MessageRole,
    SessionState,
)

__all__ = [
    "AiMode",
    "Channel",
    "Conversation",
    "ConversationStatus",
    "Guest",
    "GuestIdentity",
    "Language",
    "Message",
    "MessageRole",
    "SessionState",
]
