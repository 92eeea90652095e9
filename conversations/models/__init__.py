"""Tenant schema models of the conversations app, split by concern.

- core: guests, their identities, conversations, messages, session state
- pipeline: inbound events, outbox, greetings, templates, media, channel settings
- handoff: handoff episodes, handoff settings, staff read markers
"""

from conversations.models.core import (
    OPEN_STATUSES,
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
from conversations.models.handoff import Handoff, HandoffSettings, SavedReply, StaffNote, StaffReadMarker
from conversations.models.pipeline import (
    ChannelSettings,
    DeliveryState,
    GreetingState,
    InboundEvent,
    InboundState,
    MediaAttachment,
    OutboxItem,
    OutboxState,
    WhatsAppTemplate,
)

__all__ = [
    "ChannelSettings",
    "DeliveryState",
    "GreetingState",
    "InboundEvent",
    "InboundState",
    "MediaAttachment",
    "OutboxItem",
    "OutboxState",
    "WhatsAppTemplate",
    "AiMode",
    "Channel",
    "Conversation",
    "ConversationStatus",
    "Guest",
    "GuestIdentity",
    "Handoff",
    "HandoffSettings",
    "Language",
    "Message",
    "MessageRole",
    "OPEN_STATUSES",
    "SessionState",
    "SavedReply",
    "StaffNote",
    "StaffReadMarker",
]
