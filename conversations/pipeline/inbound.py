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
from collections.abc import Iterable
from typing import Any

import structlog
from django.db import connection, transaction
from django.utils import timezone

from conversations import engine, task_names, turns
from conversations.models import (
    Channel,
    Conversation,
    ConversationStatus,
    InboundEvent,
    InboundState,
    Message,
)
from conversations.pipeline import greeting, media, outbox, ratelimit, serialize
from core import crypto
from core.durability import enqueue as enqueue_task
from messaging.base import NormalizedMessage
from messaging.email import InboundEmail
from messaging.whatsapp import (
    Ignored,
    InboundMessage,
    StatusUpdate,
    Unroutable,
    WebhookEvent,
    WhatsAppError,
)
from messaging.whatsapp.media import store_media

log = structlog.get_logger(__name__)

EMAIL_THREAD_FALLBACK = dt.timedelta(days=3)  # "the same guest address within a few days"

# One statement in autocommit, schema-qualified: no search_path switch, no explicit transaction.
_INSERT = (
    "INSERT INTO {table} (channel, kind, provider_id, payload, state, error, received_at) "
    "VALUES (%s, %s, %s, %s, 'pending', '', %s) ON CONFLICT (channel, provider_id) DO NOTHING RETURNING id"
)


# --- Request path -----------------------------------------------------------------------------


def insert_statement(schema: str) -> str:
    """The INSERT of one event row, schema-qualified (shared with the ASGI fast path, `fast_webhook`)."""
    quoted = '"' + schema.replace('"', '""') + '"'  # a schema name from our own routing table
    return _INSERT.format(table=f"{quoted}.conversations_inboundevent")


def insert_many_statement(schema: str, count: int) -> str:
    """`count` event rows in one INSERT (the fast path's group commit); returns id, channel, provider_id."""
    one = _INSERT.split(" VALUES ", 1)[1].split(" ON CONFLICT", 1)[0]
    head = insert_statement(schema).split(" VALUES ", 1)[0]
    values = ", ".join([one] * count)
    return f"{head} VALUES {values} ON CONFLICT (channel, provider_id) DO NOTHING RETURNING id, channel, provider_id"


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
    # By name: the tasks module imports this one (its tasks are thin wrappers around it).
    try:
        enqueue_task(task_names.PROCESS_INBOUND, args=[event_id], schema=schema)
    except Exception:  # the row is stored: the beat job re-enqueues what stays pending
        log.exception("inbound_enqueue_failed", schema=schema, event_id=event_id)


def enqueue_batch(schema: str, event_ids: list[int]) -> None:
    """Several stored events of one property in one Celery message (the ASGI fast path under load)."""
    if len(event_ids) == 1:
        enqueue(schema, event_ids[0])
        return
    try:
        enqueue_task(task_names.PROCESS_INBOUND_BATCH, args=[event_ids], schema=schema)  # by name: see enqueue
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


def whatsapp_rows(events: list[WebhookEvent]) -> list[tuple[str, str, str, str, dict[str, Any]]]:
    """The rows to store for a parsed webhook (messages and statuses); the rest is only logged."""
    rows = []
    for event in events:
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


def process(event_id: int) -> int | None:
    """Handle one stored event in the current schema; returns the guest message id (None for a status)."""
    event = InboundEvent.objects.filter(pk=event_id).first()
    if event is None or ratelimit.deferred(event):  # over the property's budget: queued again, never dropped
        return None
    if event.kind == "status":
        outbox.apply_status(event.payload)
        _done(event, None)
        return None
    if event.kind == "email":
        normalized = _thread_email(serialize.load(event.payload["message"]), event.payload)
        answer = not event.payload.get("auto_reply")
    else:
        normalized = serialize.load(event.payload)
        answer = True
    if normalized.channel == Channel.WHATSAPP:
        _mark_read(normalized)
    conversation, message, _ = engine.ingest(normalized)
    answer = media.handle(message, conversation, normalized, event.payload.get("attachments", [])) and answer
    if normalized.channel == Channel.WHATSAPP:  # a redelivered task greets only if the first never did (stored date)
        greeting.maybe_greet(conversation, normalized)
    _done(event, message)
    if answer and normalized.kind not in ("reaction",):
        # Also for a redelivered event (its message already stored): the turn answers it once.
        turns.receive(conversation, message)
    elif not answer:
        log.info("inbound_not_answered", message=message.pk, auto_reply=event.payload.get("auto_reply", False))
    return message.pk


def _done(event: InboundEvent, message: Message | None) -> None:
    InboundEvent.objects.filter(pk=event.pk).update(
        state=InboundState.PROCESSED, message=message, processed_at=timezone.now()
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
        Conversation.objects.filter(
            channel=Channel.EMAIL,
            guest__identities__channel=Channel.EMAIL,
            guest__identities__external_id=normalized.sender_id,
            last_message_at__gte=timezone.now() - EMAIL_THREAD_FALLBACK,
        )
        .exclude(status__in=[ConversationStatus.RESOLVED, ConversationStatus.EXPIRED])
        .order_by("-last_message_at")
        .first()
    )
    if recent is not None:
        return _with_thread(normalized, recent.channel_id)
    return normalized


def _with_thread(normalized: NormalizedMessage, thread_id: str) -> NormalizedMessage:
    return dataclasses.replace(normalized, thread_id=thread_id)
