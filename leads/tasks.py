from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from conversations.models import Conversation
from core.durability import DurableTask, TransientError
from leads.services.leads import rescore_open_leads, upsert_lead_for_conversation


@shared_task(base=DurableTask)
def extract_lead(conversation_id: int) -> int | None:
    """Extract and score the lead of a conversation (in the schema the task was sent from); the lead's id or None.

    Idempotent (the lead is derived from stored messages), so a redelivery changes nothing.
    """
    conversation = Conversation.objects.select_related("guest").filter(pk=conversation_id).first()
    if conversation is None:
        return None
    try:
        lead = upsert_lead_for_conversation(conversation)
    except OperationalError as exc:  # the database went away for a moment: worth a retry
        raise TransientError(str(exc)) from exc
    return lead.pk if lead else None


@shared_task(base=DurableTask)
def rescore_leads() -> int:
    """Re-score the open leads of the schema the task was sent from (after its thresholds or rates changed)."""
    try:
        return rescore_open_leads()
    except OperationalError as exc:
        raise TransientError(str(exc)) from exc
