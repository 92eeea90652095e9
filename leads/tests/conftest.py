from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import pytest
from django.utils import timezone

from conversations.models import Channel, Conversation, Guest, Message, MessageRole
from leads.models import RoomRate

# A Monday at 22:30 in Kuala Lumpur: after the default 09:00–18:00 hours.
EVENING = dt.datetime(2026, 11, 23, 14, 30, tzinfo=dt.UTC)
MORNING = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)  # Tuesday 10:00 in Kuala Lumpur


@pytest.fixture
def rooms() -> list[RoomRate]:
    """Room types of whichever property's schema is active."""
    return [
        RoomRate.objects.create(name="Deluxe King", nightly_rate=Decimal("350.00")),
        RoomRate.objects.create(name="Family Suite", nightly_rate=Decimal("520.00"), aliases="bilik keluarga"),
    ]


def conversation_with(
    texts: Sequence[str],
    *,
    guest: Guest | None = None,
    channel: str = Channel.WHATSAPP,
    at: dt.datetime = EVENING,
    phone: str = "",
    email: str = "",
) -> Conversation:
    """A conversation (in the active schema) whose guest wrote `texts`, one minute apart from `at`."""
    guest = guest or Guest.objects.create(phone=phone, email=email)
    conversation = Conversation.objects.create(guest=guest, channel=channel, started_at=at, last_message_at=at)
    for index, text in enumerate(texts):
        Message.objects.create(
            conversation=conversation, role=MessageRole.GUEST, content=text, channel=channel,
            created_at=at + dt.timedelta(minutes=index),
        )  # fmt: skip
    return conversation


def add_guest_message(conversation: Conversation, text: str, at: dt.datetime | None = None) -> None:
    Message.objects.create(
        conversation=conversation, role=MessageRole.GUEST, content=text, channel=conversation.channel,
        created_at=at or timezone.now(),
    )  # fmt: skip
