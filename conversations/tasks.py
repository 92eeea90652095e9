from __future__ import annotations

from celery import shared_task

from conversations import services


@shared_task(acks_late=True)
def refresh_conversation_stats(conversation_id: int) -> int | None:
    """Runs in the schema the task was sent from (tenant-schemas-celery)."""
    conversation = services.refresh_conversation_stats(conversation_id)
    return conversation.message_count if conversation else None
