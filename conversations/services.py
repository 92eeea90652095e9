"""Operations on conversations (tenant schema: always called inside the property's schema)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Avg, Count, FloatField, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from conversations.models import Conversation, MessageRole


def refresh_conversation_stats(conversation_id: int) -> Conversation | None:
    """Recount a conversation's messages and its average AI confidence from the messages themselves.

    Idempotent: it derives everything from stored rows, so running it twice changes nothing.
    """
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().filter(pk=conversation_id).first()
        if conversation is None:
            return None
        figures = conversation.messages.aggregate(
            count=Count("id"),
            confidence=Avg(
                Cast(KeyTextTransform("confidence", "metadata"), FloatField()),
                filter=Q(role=MessageRole.AI, metadata__has_key="confidence"),
            ),
        )
        conversation.message_count = figures["count"]
        conversation.average_ai_confidence = figures["confidence"]
        conversation.save(update_fields=["message_count", "average_ai_confidence"])
        return conversation
