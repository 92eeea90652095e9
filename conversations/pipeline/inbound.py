"""Inbound events: stored on the request path (one INSERT … ON CONFLICT per event), processed on a worker.

Request path: parse → route → store the event in its property's schema → enqueue once committed.
A redelivered event hits the unique (channel, provider_id) and enqueues nothing.

Worker: every step is idempotent, so a task redelivered after a crash simply runs them again:
ingest (unique provider id) → media (skipped when stored) → greeting (stored date) → read + typing
(harmless twice) → the one guest-turn path, `turns.receive` (staff told if they hold the
conversation, else a turn after the property's buffer window; engine.run_turn answers each guest
message once, and only the newest of a burst).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import time
from collections.abc import Iterable
from typing import Any

import structlog
from django.conf import settings
from django.db import connection, transaction
from django.db.models import DurationField, ExpressionWrapper, F, Q, Value
from django.utils import timezone

from conversations import engine, task_names, turns
from conversations.handoff.service import begin_handoff
from conversations.models import (
    Channel,
    Conversation,
    InboundEvent,
    InboundState,
    Message,
)
from conversations.pipeline import events, greeting, media, notices, outbox, ratelimit, serialize
from core import crypto
from core.durability import INFRASTRUCTURE_ERRORS
from core.durability import enqueue as enqueue_task
from core.inputs import clean_json, clean_text
from messaging.base import NormalizedMessage
from messaging.email import InboundEmail
from messaging.whatsapp import (
    Ignored,
    InboundMessage,
    StatusUpdate,
    TemplateStatus,
    Unroutable,
    WebhookEvent,
    WhatsAppError,
)
from messaging.whatsapp.media import store_media

log = structlog.get_logger(__name__)

EMAIL_THREAD_FALLBACK = dt.timedelta(days=3)  # "the same guest address within a few days"
UNREADABLE = "[unreadable message]"  # what staff see of a guest message we could not read at all
UNREADABLE_KINDS = frozenset({"sticker", "unsupported", "unknown", "video"})  # nothing the AI can read in them

# One statement in autocommit, schema-qualified: no search_path switch, no explicit transaction.
_INSERT = (
    "INSERT INTO {table} (channel, kind, provider_id, payload, state, error, received_at) "
    "VALUES (%s, %s, %s, %s, 'pending', '', %s) ON CONFLICT (channel, provider_id) DO NOTHING RETURNING id"
)


# --- Request path -----------------------------------------------------------------------------


def insert_statement(schema: str) -> str:
    """The INSERT of one event row, schema-qualified (shared with the ASGI fast path, `fast_webhook`)."""
    return _INSERT.format(table=_table(schema))


def _table(schema: str) -> str:
    quoted = '"' + schema.replace('"', '""') + '"'  # a schema name from our own routing table
    return f"{quoted}.conversations_inboundevent"


# The group commit's INSERT, in two fixed texts: one row (most rounds at a steady rate), or any number of
# rows as five arrays (`unnest`). psycopg converts each text once and prepares it on the server after a
# few uses; a `VALUES (…), (…)` list per batch size cost a conversion per new size (psycopg's
# `_split_query` over a statement that grows with the batch: 27 ms of CPU for a 200-row batch under a
# backlog) and a parse and plan per statement in PostgreSQL. One row goes without arrays: dumping five
# one-element arrays cost more than the row itself.
_RETURNING = " ON CONFLICT (channel, provider_id) DO NOTHING RETURNING id, channel, provider_id"
_INSERT_ONE = _INSERT.split(" ON CONFLICT", 1)[0] + _RETURNING
_INSERT_MANY = (
    "INSERT INTO {table} (channel, kind, provider_id, payload, state, error, received_at) "
    "SELECT c, k, p, d, 'pending', '', r FROM unnest(%s::varchar[], %s::varchar[], %s::varchar[], %s::text[], "
    "%s::timestamptz[]) AS t(c, k, p, d, r) "
    "ON CONFLICT (channel, provider_id) DO NOTHING RETURNING id, channel, provider_id"
)


def insert_many(schema: str, rows: list[tuple[str, str, str, dict[str, Any]]]) -> tuple[str, list[Any]]:
    """One INSERT for (channel, kind, provider_id, payload) rows of one property (the fast path's group
    commit), with its parameters; it returns id, channel, provider_id of the new rows."""
    if len(rows) == 1:
        return _INSERT_ONE.format(table=_table(schema)), insert_params(*rows[0])
    columns: list[list[Any]] = [[], [], [], [], []]
    for row in rows:
        for column, value in zip(columns, insert_params(*row), strict=True):
            column.append(value)
    return _INSERT_MANY.format(table=_table(schema)), columns


def insert_params(channel: str, kind: str, provider_id: str, payload: dict[str, Any]) -> list[Any]:
    # Encrypted as a whole, like the ORM's InboundEvent.payload (a raw event is all contact data).
    return [channel, kind, provider_id[:255], crypto.encrypt_json(payload), timezone.now()]


def _insert(schema: str, channel: str, kind: str, provider_id: str, payload: dict[str, Any]) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(insert_statement(schema), insert_params(channel, kind, provider_id, payload))
        row = cursor.fetchone()
    return row[0] if row else None


def enqueue(schema: str, event_id: int) -> None:
    """At once (the caller waits for the commit itself): the row is already stored."""
    # By name: the tasks module imports this one (its tasks are thin wrappers around it). Nobody reads
    # its result: asking for none saves two of a publish's three Redis round trips (see enqueue).
    try:
        enqueue_task(task_names.PROCESS_INBOUND, args=[event_id], schema=schema, ignore_result=True)
    except Exception:  # the row is stored: the beat job re-enqueues what stays pending
        log.exception("inbound_enqueue_failed", schema=schema, event_id=event_id)


def inbound_task(event_ids: list[int]) -> tuple[str, list[Any]]:
    """The task (name, args) for stored events of one property: the ordinary one for a single event,
    the batch task (one message for many) for more."""
    if len(event_ids) == 1:
        return task_names.PROCESS_INBOUND, [event_ids[0]]
    return task_names.PROCESS_INBOUND_BATCH, [list(event_ids)]


def enqueue_batch(schema: str, event_ids: list[int]) -> None:
    """Several stored events of one property in one Celery message (the ASGI fast path sends the same
    message on its own Redis connection: `fast_webhook`)."""
    name, args = inbound_task(event_ids)
    try:
        enqueue_task(name, args=args, schema=schema, ignore_result=True)  # see enqueue
    except Exception:  # the rows are stored: the beat job re-enqueues what stays pending
        log.exception("inbound_enqueue_failed", schema=schema, events=event_ids)


def store_events(rows: Iterable[tuple[str, str, str, str, dict[str, Any]]]) -> int:
    """(schema, channel, kind, provider_id, payload) rows stored once each; returns how many were new.

    Each row is committed on its own (a redelivery skips the ones already stored) and enqueued at
    once; a row whose enqueue is lost stays pending and the 2-minute beat job picks it up.
    """
    new = 0
    for schema, channel, kind, provider_id, payload in rows:
        event_id = _insert(schema, channel, kind, provider_id, payload)
        if event_id is not None:
            new += 1
            if connection.in_atomic_block:
                transaction.on_commit(lambda s=schema, e=event_id: enqueue(s, e))
            else:
                enqueue(schema, event_id)
    return new


def store_whatsapp(events: list[WebhookEvent]) -> int:
    return store_events(whatsapp_rows(events))


def whatsapp_rows(
    events: list[WebhookEvent], accounts: dict[str, list[str]] | None = None
) -> list[tuple[str, str, str, str, dict[str, Any]]]:
    """The rows to store for a parsed webhook (messages, statuses, and template news for each property of the
    account, `accounts` = routing.waba_schemas); the rest is only logged."""
    rows = []
    for event in events:
        if isinstance(event, TemplateStatus):
            schemas = (accounts or {}).get(event.waba_id, [])
            if not schemas:
                log.warning("whatsapp_template_status_unroutable", waba_id=event.waba_id, template=event.name)
            payload = dataclasses.asdict(event)
            rows.extend((schema, Channel.WHATSAPP, "template", event.dedupe_key, payload) for schema in schemas)
            continue
        if isinstance(event, InboundMessage):
            m = event.message
            rows.append((m.property_schema, Channel.WHATSAPP, "message", event.dedupe_key, serialize.dump(m)))
        elif isinstance(event, StatusUpdate):
            payload = {
                "wamid": event.provider_message_id,
                "status": event.status,
                "timestamp": event.timestamp.isoformat(),
                "errors": [e.__dict__ for e in event.errors],
            }
            rows.append((event.property_schema, Channel.WHATSAPP, "status", event.dedupe_key, payload))
        elif isinstance(event, Unroutable):
            log.warning("whatsapp_unroutable", phone_number_id=event.phone_number_id, kind=event.kind)
        elif isinstance(event, Ignored):
            log.info("whatsapp_ignored", field=event.field, reason=event.reason)
    return rows


def store_email(inbound: InboundEmail) -> int:
    m = inbound.message
    stored = [
        {**store_media(a.content, a.mime_type, schema=m.property_schema).__dict__, "filename": a.filename}
        for a in inbound.attachments
    ]
    payload = {
        "message": serialize.dump(m),
        "in_reply_to": inbound.in_reply_to,
        "references": list(inbound.references),
        "auto_reply": inbound.is_auto_reply,
        "attachments": stored,
    }
    return store_events([(m.property_schema, Channel.EMAIL, "email", inbound.dedupe_key, payload)])


# --- Worker -----------------------------------------------------------------------------------


def process(event_id: int, *, retry_failed: bool = False) -> int | None:
    """Handle one stored event in the current schema; returns the guest message id (None for a status).

    An event in a terminal state is left alone: every step, the turn's scheduling included, is done
    before it is marked processed, so a second copy of its task (a redelivery, or the beat job's
    requeue of an event that was only waiting in a backlog) costs one SELECT, not a read receipt and
    a turn; a beat job or a redelivery never runs a poison event again. `retry_failed` (a platform
    admin replaying its dead letter, after a fix) runs a failed one once more.
    """
    event = InboundEvent.objects.filter(pk=event_id).first()
    if event is None:
        return None
    if event.state == InboundState.FAILED and retry_failed:
        InboundEvent.objects.filter(pk=event.pk).update(state=InboundState.PENDING, next_attempt_at=None)
    elif event.state != InboundState.PENDING:
        return event.message_id
    if ratelimit.deferred(event):  # over the property's budget: queued again, never dropped
        return None
    InboundEvent.objects.filter(pk=event.pk).update(attempts=F("attempts") + 1)
    if event.kind == "status":
        outbox.apply_status(event.payload)
        _done(event, None)
        return None
    if event.kind == "template":
        _done(event, None, ignored=outbox.apply_template_status(event.payload))
        return None
    normalized = guest_message(event)
    normalized = events.as_new_message(normalized) or normalized  # an edit of a message we never saw
    if normalized.kind in events.NOT_GUEST_WRITING - {"reaction"}:  # edits, deletions, system notices
        handled = events.handle(normalized)
        _done(event, handled.message, ignored=handled.ignored)
        return handled.message.pk if handled.message else None
    answer = not (event.kind == "email" and event.payload.get("auto_reply"))
    if normalized.channel == Channel.WHATSAPP:
        _mark_read(normalized)
    conversation, message, _ = engine.ingest(normalized)
    answer = media.handle(message, conversation, normalized, event.payload.get("attachments", [])) and answer
    if answer and normalized.kind in UNREADABLE_KINDS and not message.content.strip():
        # A sticker, an unsupported or unknown type: asked to type, in their language; never to the model (an
        # empty question would count as one it could not answer, towards a handoff).
        if not message.metadata.get("asked_to_type"):
            with transaction.atomic():
                notices.tell_guest(conversation, "please_type", language=notices.language_of(conversation))
                Message.objects.filter(pk=message.pk).update(metadata={**message.metadata, "asked_to_type": True})
        answer = False
    keyword = events.opt_out_or_in(conversation.guest, conversation, message.content)
    # A redelivered task greets only if the first never did (stored date); a reaction or "STOP" never greets.
    if normalized.channel == Channel.WHATSAPP and normalized.kind not in events.NOT_GUEST_WRITING and not keyword:
        greeting.maybe_greet(conversation, normalized)
    answer = answer and not keyword
    if answer and normalized.kind not in ("reaction",):
        # Also for a redelivered event (its message already stored): the turn answers it once.
        turns.receive(conversation, message)
    elif not answer:
        log.info("inbound_not_answered", message=message.pk, auto_reply=event.payload.get("auto_reply", False))
    _done(event, message)  # the last step: a worker killed before it leaves the event pending, to be run again
    return message.pk


def guest_message(event: InboundEvent) -> NormalizedMessage:
    """The stored event as the message to ingest. Its strings are cleaned here too: a row stored before the
    door cleaned them (or by a door that does not) must not fail on a NUL or a lone surrogate at every retry."""
    payload = clean_json(event.payload, surrogates="replace")
    if event.kind == "email":
        return _thread_email(serialize.load(payload["message"]), payload)
    return serialize.load(payload)


def _done(event: InboundEvent, message: Message | None, *, ignored: str = "") -> None:
    """Terminal: processed, or ignored with why (an event that changed nothing, e.g. deleting an unknown message)."""
    InboundEvent.objects.filter(pk=event.pk).update(
        state=InboundState.IGNORED if ignored else InboundState.PROCESSED,
        message=message,
        processed_at=timezone.now(),
        error=ignored,
    )


# --- The beat job's safety net: events whose task was lost ----------------------------------------

STALE_INBOUND = dt.timedelta(minutes=2)  # pending this long after it arrived: its task may have been lost
REQUEUE_BATCH = 200  # events re-enqueued per beat run and schema, the oldest first; the rest wait for the next


def requeue(schema: str, event_id: int) -> None:
    """The beat job's copy of an event's task; broker errors propagate (the event is then not leased)."""
    enqueue_task(task_names.PROCESS_INBOUND, args=[event_id], schema=schema)


def requeue_stale(deadline: float) -> int:
    """Re-enqueue pending events whose task may have been lost (a failed enqueue, a broker that lost its
    queue); returns how many. Stops at `deadline` (time.monotonic()); the next run resumes, oldest first.

    A pending event is usually not lost but waiting in a backlog, so each requeue is a lease: the event is
    not requeued again before its age has doubled (2, 4, 8 … minutes), stored as its `next_attempt_at`,
    which also holds a transient failure's retry time (left to Celery until two minutes past it). A backlog
    therefore gains a few cheap copies of its oldest events (a copy finds the event processed: one SELECT),
    never a copy of every pending event every two minutes.
    """
    now = timezone.now()
    cutoff = now - STALE_INBOUND
    stale = list(
        InboundEvent.objects.filter(state=InboundState.PENDING, received_at__lt=cutoff)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=cutoff))
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:REQUEUE_BATCH]
    )
    requeued: list[int] = []
    schema = connection.schema_name
    try:
        for event_id in stale:
            if time.monotonic() >= deadline:
                break
            requeue(schema, event_id)
            requeued.append(event_id)
    finally:  # one UPDATE for the batch, also when the broker or the time limit stopped it half-way
        if requeued:
            age = ExpressionWrapper(Value(now) - F("received_at"), output_field=DurationField())
            InboundEvent.objects.filter(pk__in=requeued).update(next_attempt_at=Value(now) + age)
    if requeued:
        log.info("inbound_requeued", schema=schema, count=len(requeued), oldest=requeued[0])
    return len(requeued)


# --- Failure: retry to a horizon, then a terminal state -----------------------------------------


def retry_delay(event_id: int, retries: int, error: BaseException) -> float | None:
    """Seconds until the next try of an event that failed transiently; None once past the horizon
    (the event has then failed for good: see `give_up`).

    The retry time is stored on the event so the beat job does not start a second chain beside
    Celery's; with the database itself unreachable nothing can be stored, and the back-off alone
    applies (the beat job is the safety net once it is back).
    """
    delay = min(settings.INBOUND_RETRY_MAX_DELAY, 2.0 ** (retries + 1))
    delay = random.uniform(delay / 2, delay)  # jitter, not crypto
    try:
        event = InboundEvent.objects.filter(pk=event_id).only("received_at", "state").first()
        if event is None or event.state != InboundState.PENDING:
            return None
        if timezone.now() - event.received_at > dt.timedelta(seconds=settings.INBOUND_RETRY_HORIZON):
            give_up(event_id, f"still failing after {settings.INBOUND_RETRY_HORIZON:.0f} s: {error}")
            return None
        InboundEvent.objects.filter(pk=event_id).update(
            next_attempt_at=timezone.now() + dt.timedelta(seconds=delay), error=f"retrying: {error}"[:2000]
        )
    except INFRASTRUCTURE_ERRORS:
        log.warning("inbound_retry_unrecorded", event_id=event_id)
    return delay


def give_up(event_id: int, reason: str) -> bool:
    """The terminal state of an event we cannot process: failed, with why; the guest is told in their
    language and staff take the conversation, with the reason. One transaction: if any of it fails
    (the database going away), the event stays pending and is tried again. False if already terminal."""
    with transaction.atomic():
        event = InboundEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None or event.state != InboundState.PENDING:
            return False
        event.state, event.error, event.processed_at = InboundState.FAILED, reason[:2000], timezone.now()
        if event.kind != "status":  # a delivery status has no guest waiting for an answer
            event.message = _hand_over_unprocessed(event, reason)
        event.save(update_fields=["state", "error", "processed_at", "message"])
    log.error("inbound_failed", event_id=event_id, reason=reason)
    return True


def _hand_over_unprocessed(event: InboundEvent, reason: str) -> Message | None:
    try:
        with transaction.atomic():  # a savepoint: a payload we cannot even ingest still ends failed
            normalized = _salvaged(event)
            if normalized is None:
                return None
            conversation, message, _ = engine.ingest(normalized)
    except INFRASTRUCTURE_ERRORS:
        raise
    except Exception:
        log.exception("inbound_failed_unreadable", event_id=event.pk)
        return None
    language = notices.language_of(conversation, normalized.text)
    begin_handoff(conversation.pk, trigger="inbound_failed", reason=f"We could not process a guest message: {reason}")
    notices.tell_guest(conversation, "message_unreadable", language=language, when=notices.staff_reply_when(language))
    return message


def _salvaged(event: InboundEvent) -> NormalizedMessage | None:
    """The guest message of a failed event, or at least who sent it (a row we cannot read whole): staff
    see an "[unreadable message]" in the right conversation. None when not even the sender is there."""
    try:
        return guest_message(event)
    except Exception:  # the reason is already recorded: salvage what identifies the guest
        log.warning("inbound_payload_unreadable", event_id=event.pk)
    payload = event.payload.get("message") if event.kind == "email" else event.payload
    if not isinstance(payload, dict) or not isinstance(payload.get("sender_id"), str) or not payload["sender_id"]:
        return None
    return NormalizedMessage(
        channel=event.channel,
        property_schema=connection.schema_name,
        sender_id=clean_text(payload["sender_id"], surrogates="replace"),
        sender_name=clean_text(str(payload.get("sender_name") or ""), surrogates="replace"),
        text=UNREADABLE,
        provider_message_id=event.provider_id,
        timestamp=event.received_at,
        kind="unreadable",
        thread_id=clean_text(str(payload.get("thread_id") or ""), surrogates="replace"),
    )


def _mark_read(normalized: NormalizedMessage) -> None:
    """Blue ticks and typing as soon as we start; a failure here must never cost the guest an answer."""
    try:
        with outbox.whatsapp_adapter(normalized.thread_id) as adapter:
            adapter.mark_read_with_typing(normalized.provider_message_id)
    except WhatsAppError as exc:
        log.warning("mark_read_failed", error=str(exc))


def _thread_email(normalized: NormalizedMessage, payload: dict[str, Any]) -> NormalizedMessage:
    """Keep a mail thread in one conversation: by In-Reply-To/References, else the same address lately."""
    ids = [payload.get("in_reply_to") or "", *payload.get("references", [])]
    ids = [i for i in ids if i]
    if ids:
        known = (
            Message.objects.filter(channel=Channel.EMAIL, provider_message_id__in=ids)
            .select_related("conversation")
            .order_by("-id")
            .first()
        )
        if known is not None:
            return _with_thread(normalized, known.conversation.channel_id)
    recent = (
        Conversation.objects.open()
        .filter(
            channel=Channel.EMAIL,
            guest__identities__channel=Channel.EMAIL,
            guest__identities__external_id=normalized.sender_id,
            last_message_at__gte=timezone.now() - EMAIL_THREAD_FALLBACK,
        )
        .order_by("-last_message_at")
        .first()
    )
    if recent is not None:
        return _with_thread(normalized, recent.channel_id)
    return normalized


def _with_thread(normalized: NormalizedMessage, thread_id: str) -> NormalizedMessage:
    return dataclasses.replace(normalized, thread_id=thread_id)
