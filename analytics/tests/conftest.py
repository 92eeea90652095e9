"""Synthetic conversations and leads for the analytics tests (written inside a property's schema)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from conversations.models import Channel, Conversation, Guest, Message, MessageRole
from leads.models import Lead

KL = ZoneInfo("Asia/Kuala_Lumpur")


def kl(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=KL)


def conversation_at(
    start: dt.datetime,
    channel: str = Channel.WHATSAPP,
    *,
    after_hours: bool = False,
    ai_after: float | None = 3.0,
    handoff_after: float | None = None,
    staff_after: float | None = None,
) -> Conversation:
    """A conversation whose first guest message is at `start`; offsets are seconds after it."""
    guest = Guest.objects.create(name="Synthetic guest")
    conversation = Conversation.objects.create(
        guest=guest, channel=channel, started_at=start, last_message_at=start, is_after_hours=after_hours
    )
    Message.objects.create(
        conversation=conversation, role=MessageRole.GUEST, channel=channel, content="Hi", created_at=start
    )
    # What answered the guest, and when: the AI, the handoff to staff, a person.
    for role, after, content, metadata in (
        (MessageRole.AI, ai_after, "Hello", {}),
        (MessageRole.SYSTEM, handoff_after, "Handed to staff", {"event": "handoff"}),
        (MessageRole.STAFF, staff_after, "A person here", {}),
    ):
        if after is not None:
            Message.objects.create(
                conversation=conversation,
                role=role,
                channel=channel,
                content=content,
                metadata=metadata,
                created_at=start + dt.timedelta(seconds=after),
            )
    return conversation


def lead_for(conversation: Conversation, value: str, *, after_hours: bool, created: dt.datetime, **extra) -> Lead:
    lead = Lead.objects.create(
        guest=conversation.guest,
        conversation=conversation,
        source_channel=conversation.channel,
        is_after_hours=after_hours,
        estimated_value=Decimal(value),
        **extra,
    )
    Lead.objects.filter(pk=lead.pk).update(created_at=created)  # auto_now_add ignores a given value
    lead.refresh_from_db()
    return lead


@pytest.fixture
def freeze_now(monkeypatch):
    """Pin django.utils.timezone.now for code that reads the clock."""

    def pin(moment: dt.datetime) -> None:
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)

    return pin
