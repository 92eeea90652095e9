"""A conversation opened only to notify the guest is not an inquiry in the analytics, until the guest writes."""

from __future__ import annotations

from django.utils import timezone
from django_tenants.utils import schema_context

from analytics.services.aggregation import compute_day
from conversations.models import Conversation, Guest, Message, MessageRole


def test_notice_only_conversations_are_not_counted_as_inquiries(world) -> None:
    with schema_context(world.a.schema_name):
        today = world.a.local_now().date()
        before = compute_day(today, world.a).total_inquiries
        guest = Guest.objects.create(name="Notified")
        conversation = Conversation.objects.create(guest=guest, channel="whatsapp", channel_id="1")
        Message.objects.create(
            conversation=conversation, role=MessageRole.AI, content="Your booking is confirmed.", channel="whatsapp",
            metadata={"notice": "integration", "integration_event_id": 1},
        )  # fmt: skip
        assert compute_day(today, world.a).total_inquiries == before
        Message.objects.create(
            conversation=conversation, role=MessageRole.GUEST, content="Thanks! Is parking free?", channel="whatsapp",
            created_at=timezone.now(),
        )  # fmt: skip
        assert compute_day(today, world.a).total_inquiries == before + 1
