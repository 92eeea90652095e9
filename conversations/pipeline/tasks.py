"""Celery tasks of the channel pipeline: thin, idempotent, on DurableTask (acks_late, back-off, dead letters).

Registered by `conversations.tasks` (the app's tasks module, which Celery autodiscovers). The
services send these tasks by name (`conversations.task_names`), so they never import this module.
Each task runs in the schema it was sent with (`core.durability.enqueue`); the beat job
`dispatch_due` has no "tenant_schemas" in its schedule entry, so it runs in every property's schema.
"""

from __future__ import annotations

import time
import traceback
from typing import Any

import structlog
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection
from django_tenants.utils import schema_context

from conversations import task_names, turns
from conversations.pipeline import inbound, outbox
from core.durability import DurableTask, record_dead_letter

RETRYABLE = DurableTask.autoretry_for  # a provider's 5xx/429/timeout, our own services going away

DISPATCH_DUE_BUDGET = 20.0  # seconds of work per beat run and schema (CELERY_TASK_SOFT_TIME_LIMIT: 60)

log = structlog.get_logger(__name__)


# No retry cap of Celery's: the event's own horizon (INBOUND_RETRY_HORIZON) ends its retries, in a terminal state.
@shared_task(base=DurableTask, bind=True, name=task_names.PROCESS_INBOUND, max_retries=None)
def process_inbound(self: DurableTask, event_id: int, retry_failed: bool = False) -> int | None:
    """One stored event to a terminal state: processed, or failed for good (guest told, staff hold the
    conversation). Transient failures retry with back-off until the horizon; anything else is a poison
    event: failed at once, with one dead letter (and its traceback) for platform admins, never a loop."""
    try:
        return inbound.process(event_id, retry_failed=retry_failed)
    except RETRYABLE as exc:
        delay = inbound.retry_delay(event_id, self.request.retries or 0, exc)
        if delay is None:
            return None
        raise self.retry(exc=exc, countdown=delay) from exc
    except Exception as exc:
        if inbound.give_up(event_id, f"{type(exc).__name__}: {exc}"):
            record_dead_letter(
                task_name=self.name,
                task_id=self.request.id or "",
                schema_name=connection.schema_name,
                args=[event_id],
                kwargs={"retry_failed": True},  # a replay, once fixed, runs the failed event again
                error=f"{type(exc).__name__}: {exc}",
                traceback=traceback.format_exc(),
                retries=self.request.retries or 0,
            )
        return None


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


class TurnTask(DurableTask):
    """A guest turn: once its task fails for good (the dead letter written), the guest is told and staff take
    over (`turns.give_up`), so no guest is left in silence and the beat job's sweep stops resending it."""

    abstract = True

    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        super().on_failure(exc, task_id, args, kwargs, einfo)
        conversation_id, message_id = args
        try:
            with schema_context(self._schema_of_request()):
                turns.give_up(conversation_id, message_id, turns.failure_in_words(exc))
        except Exception:  # the dead letter stands; the sweep (widget) or a replay tries the turn again
            log.exception("turn_give_up_failed", conversation=conversation_id, message=message_id)


@shared_task(base=TurnTask, bind=True, name=task_names.BUFFERED_TURN)
def buffered_turn(self: DurableTask, conversation_id: int, message_id: int) -> int | None:
    """Every channel's guest turn after its buffer window (see conversations.turns): the reply's id or None."""
    return turns.answer(conversation_id, message_id)


@shared_task(base=DurableTask, bind=True, name=task_names.DISPATCH_OUTBOX)
def dispatch_outbox(self: DurableTask, item_id: int, revive: bool = False, due: str | None = None) -> str:
    return outbox.dispatch(item_id, revive=revive, due=due)


@shared_task(base=DurableTask, bind=True, name=task_names.DISPATCH_DUE)
def dispatch_due(self: DurableTask) -> dict[str, int]:
    """Beat, every 2 minutes in every schema: re-enqueue inbound events whose task was lost, send the outbox
    rows whose own task is overdue, then resend the turns of widget messages left unanswered, within
    DISPATCH_DUE_BUDGET seconds (well inside the soft time limit); what is left waits for the next run. A
    backlog never makes it re-queue what is already queued (`inbound.requeue_stale`,
    `outbox.dispatch_overdue`, `turns.resend_stale`), and running out of time is not a failure."""
    done = {"inbound_requeued": 0, "sent": 0, "overdue": 0, "web_turns_resent": 0}
    deadline = time.monotonic() + DISPATCH_DUE_BUDGET
    try:
        done["inbound_requeued"] = inbound.requeue_stale(deadline)
        done.update(outbox.dispatch_overdue(deadline))
        done["web_turns_resent"] = turns.resend_stale(deadline)
    except SoftTimeLimitExceeded:  # a periodic job: the next run resumes, no dead letter for a slow one
        log.warning("dispatch_due_out_of_time", schema=connection.schema_name, **done)
    return done
