"""Celery tasks of integrations (durable, idempotent, each in the schema it was sent from)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError, connection

from core.durability import DurableTask, TransientError, enqueue
from integrations.services import events, notify


@shared_task(base=DurableTask, name=events.NOTIFY_GUEST_TASK)
def notify_guest(event_id: int) -> str:
    """Send an accepted event's notice to the guest on their best channel."""
    try:
        return notify.notify(event_id)
    except (OperationalError, InterfaceError) as exc:
        raise TransientError(str(exc)) from exc


@shared_task(base=DurableTask, name=notify.NOTIFY_FALLBACK_TASK)
def notify_fallback(event_id: int, failed_channel: str, error: str) -> str:
    """The notice failed for good on `failed_channel`: tell staff, try the fallback channel once."""
    try:
        return notify.fallback(event_id, failed_channel, error)
    except (OperationalError, InterfaceError) as exc:
        raise TransientError(str(exc)) from exc


@shared_task(base=DurableTask)
def notify_pending() -> int:
    """Beat, every 2 minutes in every schema: queue the notices of events whose enqueue was lost."""
    schema = connection.schema_name
    stale = events.stale_pending()
    for event_id in stale:
        enqueue(notify_guest, args=[event_id], schema=schema)
    return len(stale)
