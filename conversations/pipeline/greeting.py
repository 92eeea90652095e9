"""The daily greeting: at most once a day per contact per property number, by the property's local date.

No reset job: the stored date is compared with today's date in the property's timezone, so the
greeting comes back after local midnight whatever the server's clock zone.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from assistant.language import detect_language
from conversations.models import ChannelSettings, Conversation, GreetingState, Message, MessageRole
from conversations.pipeline import outbox
from messaging.base import NormalizedMessage
from properties.services import current_property


def claim_greeting(contact: str, thread_id: str, today: dt.date, channel: str = "whatsapp") -> bool:
    """True exactly once per (contact, number, local date): the caller then sends the greeting."""
    with transaction.atomic():
        state, created = GreetingState.objects.select_for_update().get_or_create(
            channel=channel, contact=contact, thread_id=thread_id, defaults={"last_greeted_on": today}
        )
        if created:
            return True
        if state.last_greeted_on >= today:
            return False
        state.last_greeted_on = today
        state.save(update_fields=["last_greeted_on"])
        return True


def maybe_greet(conversation: Conversation, normalized: NormalizedMessage, now: dt.datetime | None = None) -> None:
    channel_settings = ChannelSettings.current()
    if not channel_settings.greeting_enabled:
        return
    property_ = current_property()
    today = property_.local_now(now or timezone.now()).date()
    with transaction.atomic():
        if not claim_greeting(normalized.sender_id, normalized.thread_id, today, normalized.channel):
            return
        language = detect_language(normalized.text, default=conversation.guest.language or "en")
        # SYSTEM, not AI: the greeting must not count as the answer to the guest's message.
        greeting = Message.objects.post(
            conversation,
            MessageRole.SYSTEM,
            channel_settings.greeting_for(language),
            metadata={"greeting": True, "language": language},
        )
        outbox.stage(greeting, conversation)
