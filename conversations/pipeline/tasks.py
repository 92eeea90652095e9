"""Celery tasks of the channel pipeline: thin, idempotent, on DurableTask (acks_late, back-off, dead letters).

Registered by `conversations.tasks` (the app's tasks module, which Celery autodiscovers). The
services send these tasks by name (`conversations.task_names`), so they never import this module.
Each task runs in the schema it was sent with (`core.durability.enqueue`); the beat job
`dispatch_due` has no "tenant_schemas" in its schedule entry, so it runs in every property's schema.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import connection
from django.utils import timezone

from conversations import task_names, turns
from conversations.models import InboundEvent, InboundState
from conversations.pipeline import inbound, outbox
from core.durability import DurableTask, enqueue

STALE_INBOUND = dt.timedelta(minutes=2)


@shared_task(base=DurableTask, bind=True, name=task_names.PROCESS_INBOUND)
def process_inbound(self: DurableTask, event_id: int) -> int | None:
    return inbound.process(event_id)


@shared_task(base=DurableTask, bind=True, name=task_names.PROCESS_INBOUND_BATCH)
def process_inbound_batch(self: DurableTask, event_ids: list[int]) -> int:
    """Events the webhook stored while its previous hand-over to Celery was in flight, in one message.

    Each is processed as `process_inbound` would (idempotent, so a redelivered batch is harmless);
    one that fails is handed to its own `process_inbound`, which retries it and dead-letters it
    alone, so one bad event never holds up or loses the others.
    """
    processed = 0
    for event_id in event_ids:
        try:
            inbound.process(event_id)
            processed += 1
        except Exception:  # the single-event task owns retries and the dead letter
            inbound.enqueue(connection.schema_name, event_id)
    return processed


@shared_task(base=DurableTask, bind=True, name=task_names.BUFFERED_TURN)
def buffered_turn(self: DurableTask, conversation_id: int, message_id: int) -> int | None:
    """Every channel's guest turn after its buffer window (see conversations.turns): the reply's id or None."""
    return turns.answer(conversation_id, message_id)


@shared_task(base=DurableTask, bind=True, name=task_names.DISPATCH_OUTBOX)
def dispatch_outbox(self: DurableTask, item_id: int, revive: bool = False) -> str:
    return outbox.dispatch(item_id, revive=revive)


@shared_task(base=DurableTask, bind=True, name=task_names.DISPATCH_DUE)
def dispatch_due(self: DurableTask) -> dict[str, int]:
    """Beat, every 2 minutes in every schema: send what is due, re-enqueue inbound events left behind."""
    sent = 0
    for item_id in outbox.due_items():
        sent += outbox.dispatch(item_id) == "sent"
    stale = list(
        InboundEvent.objects.filter(
            state=InboundState.PENDING, received_at__lt=timezone.now() - STALE_INBOUND
        ).values_list("pk", flat=True)[:200]
    )
    schema = connection.schema_name
    for event_id in stale:
        enqueue(process_inbound, args=[event_id], schema=schema)
    return {"sent": sent, "inbound_requeued": len(stale)}
