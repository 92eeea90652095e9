"""Synthetic guest activity for the demo hotel, the screenshots in docs/ and the scale benchmarks.

Shaped like what vendors report: more than half of the conversations in the evening, most on
WhatsApp, one in eight handed to staff, one in five turning into a lead. Runs inside the current
property's schema and writes with bulk inserts, so a month of a busy hotel takes seconds.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from conversations.models import Channel, Conversation, ConversationStatus, Guest, Message, MessageRole
from leads.models import Intent, Lead, LeadStatus, Priority
from leads.services.rubric import expected_revenue
from properties.models import Property

CONVERSION_DELAY = dt.timedelta(hours=3)  # a seeded conversion is booked the same day the guest wrote
CHANNEL_WEIGHTS = [(Channel.WHATSAPP, 0.6), (Channel.WEB, 0.25), (Channel.EMAIL, 0.15)]
# Share of conversations per local hour: quiet at night, a peak from 18:00 to midnight.
HOUR_WEIGHTS = [1, 1, 0.5, 0.3, 0.3, 0.5, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4, 5, 7, 8, 9, 9, 8, 6]
QUESTIONS = [
    "What time is check-in?",
    "Do you have a pool?",
    "Berapa harga bilik deluxe?",
    "Is breakfast included?",
    "Ada parking?",
    "Can I book 2 nights next weekend?",
]


@dataclass
class Generated:
    conversations: int = 0
    messages: int = 0
    leads: int = 0


def _message(conversation: Conversation, role: str, content: str, at: dt.datetime, **metadata: Any) -> Message:
    return Message(
        conversation=conversation,
        role=role,
        channel=conversation.channel,
        content=content,
        metadata=metadata,
        created_at=at,
    )


def generate_history(property_: Property, first: dt.date, days: int, per_day: int, seed: int = 7) -> Generated:
    rng = random.Random(seed)
    tz = property_.tzinfo
    channels, channel_weights = zip(*CHANNEL_WEIGHTS, strict=True)
    counts = Generated()
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        starts = []
        for _ in range(per_day):
            hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
            starts.append(dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=tz))
        guests = Guest.objects.bulk_create(
            [
                Guest(name=f"Guest {offset}-{i}", first_seen_at=start, last_seen_at=start)
                for i, start in enumerate(starts)
            ]
        )
        conversations = Conversation.objects.bulk_create(
            [
                Conversation(
                    guest=guest,
                    channel=rng.choices(channels, weights=channel_weights)[0],
                    started_at=start,
                    last_message_at=start,
                    is_after_hours=not property_.is_open_at(start),
                    status=ConversationStatus.RESOLVED,
                )
                for guest, start in zip(guests, starts, strict=True)
            ]
        )
        messages: list[Message] = []
        leads: list[Lead] = []
        for conversation, start in zip(conversations, starts, strict=True):
            moment = start
            for _turn in range(rng.randint(1, 3)):
                messages.append(_message(conversation, MessageRole.GUEST, rng.choice(QUESTIONS), moment))
                moment += dt.timedelta(seconds=rng.uniform(0.8, 4.0))
                confidence = round(rng.uniform(0.5, 0.95), 2)
                messages.append(_message(conversation, MessageRole.AI, "(answer)", moment, confidence=confidence))
                moment += dt.timedelta(seconds=rng.uniform(20, 300))
            if rng.random() < 0.12:
                messages.append(_message(conversation, MessageRole.SYSTEM, "Handed to staff", moment, event="handoff"))
                moment += dt.timedelta(seconds=rng.uniform(45, 1500))
                messages.append(_message(conversation, MessageRole.STAFF, "(staff reply)", moment))
            if rng.random() < 0.2:
                nights = rng.randint(1, 4)
                value = (Decimal(rng.randrange(250, 900)) * nights).quantize(Decimal("0.01"))
                score = rng.randint(40, 95)
                status = rng.choices(list(LeadStatus.values), weights=[5, 3, 2, 1])[0]
                leads.append(
                    Lead(
                        guest=conversation.guest,
                        conversation=conversation,
                        guest_name=conversation.guest.name,
                        phone=f"+6012{rng.randrange(1000000, 9999999)}",
                        intent=Intent.ROOM_BOOKING,
                        nights=nights,
                        status=status,
                        booking_value=value,
                        estimated_value=expected_revenue(value, score),
                        converted_at=conversation.started_at + CONVERSION_DELAY
                        if status == LeadStatus.CONVERTED
                        else None,
                        converted_value=value if status == LeadStatus.CONVERTED else None,
                        priority=Priority.HIGH if conversation.is_after_hours else Priority.MEDIUM,
                        source_channel=conversation.channel,
                        is_after_hours=conversation.is_after_hours,
                        lead_score=score,
                        confidence=0.8,
                    )
                )
        Message.objects.bulk_create(messages, batch_size=2000)
        created = Lead.objects.bulk_create(leads)
        # created_at is auto_now_add: put each lead back at its conversation's time.
        for lead, conversation in zip(created, [lead.conversation for lead in leads], strict=True):
            lead.created_at = conversation.started_at + dt.timedelta(minutes=2)
        Lead.objects.bulk_update(created, ["created_at"], batch_size=2000)
        counts.conversations += len(conversations)
        counts.messages += len(messages)
        counts.leads += len(created)
    return counts
