"""Session state of a conversation: hot in Redis (30-minute TTL), written through to PostgreSQL.

Redis is a cache here, never the only copy: `save` writes the SessionState row in the same
turn, and `load` falls back to that row (or, for a conversation that predates it, to the stored
messages) when the Redis key is gone.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field, fields
from typing import Any

import redis
import structlog
from cryptography.fernet import InvalidToken
from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from conversations.models import AiMode, Conversation, Language, Message, SessionState
from core import compiled, crypto
from core.redis import get_redis, key

log = structlog.get_logger(__name__)

HISTORY_LENGTH = 10
UPSERT_KEY = ("conversation",)
UPSERT_FIELDS = ("history", "mode", "language", "lead", "low_confidence_streak", "updated_at")


@dataclass
class Session:
    conversation_id: int
    history: list[dict[str, str]] = field(default_factory=list)
    mode: str = AiMode.CONCIERGE
    language: str = Language.ENGLISH
    # The lead step's dialogue state (leads.turn, via conversations.turn_steps): the engine saves it, never reads it.
    lead: dict[str, Any] = field(default_factory=dict)
    low_confidence_streak: int = 0
    source: str = "new"  # redis | database | messages | new: where this copy came from (for tests and metrics)

    def remember(self, role: str, content: str) -> None:
        self.history.append({"role": role, "content": content})
        del self.history[:-HISTORY_LENGTH]


def redis_key(conversation_id: int) -> str:
    # The schema prefix keeps one property's sessions out of another's reach (ids repeat across schemas).
    return key(connection.schema_name, "session", conversation_id)


NOT_READ = object()  # `load`'s `raw` when the caller has not read the cached copy


def load(conversation: Conversation, *, before_message_id: int | None = None, raw: Any = NOT_READ) -> Session:
    """The session; rebuilt from the database when Redis has lost it.

    `before_message_id`: the first message of the turn being answered, which the rebuilt history
    must not already contain (the turn adds it itself). `raw`: the cached copy as the caller has just read
    it from `redis_key` (None: none there), instead of a GET here.
    """
    if raw is NOT_READ:
        try:
            raw = get_redis().get(redis_key(conversation.pk))
        except redis.RedisError:
            raw = None
    cached = _from_cache(raw, conversation.pk) if raw else None
    if cached is not None:
        return cached
    row = compiled.first(_session_row, conversation.pk)  # its SQL built once per process
    if row is not None:
        session = Session(
            conversation_id=conversation.pk,
            history=list(row.history)[-HISTORY_LENGTH:],
            mode=row.mode,
            language=row.language,
            lead=dict(row.lead),
            low_confidence_streak=row.low_confidence_streak,
            source="database",
        )
    else:
        # Its SQL built once per process (core.compiled): a conversation's first turn comes this way.
        if before_message_id is None:
            recent = compiled.rows(_recent_messages, conversation.pk)
        else:
            recent = compiled.rows(_recent_messages_before, conversation.pk, before_message_id)
        session = Session(
            conversation_id=conversation.pk,
            history=[{"role": m["role"], "content": m["content"]} for m in reversed(recent)],
            mode=conversation.ai_mode,
            language=conversation.guest.language,
            source="messages" if recent else "new",
        )
    # Not cached here: a caller that goes on saves the session it loaded, and `save` caches it (a rebuilt session was
    # encrypted and sent to Redis twice in one turn).
    return session


def _session_row(conversation_id: int) -> QuerySet[SessionState]:
    return SessionState.objects.filter(conversation_id=conversation_id)


def _recent_messages(conversation_id: int) -> QuerySet[Message]:
    """The conversation's last messages, newest first (`conversation.messages`' statement)."""
    return (
        Message.objects.filter(conversation_id=conversation_id)
        .order_by("-id")
        .values("role", "content")[:HISTORY_LENGTH]
    )


def _recent_messages_before(conversation_id: int, before_message_id: int) -> QuerySet[Message]:
    return (
        Message.objects.filter(conversation_id=conversation_id, pk__lt=before_message_id)
        .order_by("-id")
        .values("role", "content")[:HISTORY_LENGTH]
    )


def _from_cache(raw: bytes | str, conversation_id: int) -> Session | None:
    """The cached copy, or None when it cannot be read: the cache is never trusted over the database, so an entry
    an older release wrote in another shape, or one encrypted under a key since retired, is rebuilt from the
    database instead of failing every turn of the conversation until its TTL ends."""
    try:
        # Encrypted like its database copy (it holds the guest's words); a plaintext entry from
        # before encryption is still read until its 30-minute TTL ends.
        text = raw.decode() if isinstance(raw, bytes) else raw
        data = crypto.decrypt_json(text) if crypto.is_token(text) else json.loads(text)
        session = Session(**{**data, "source": "redis"})
    except (ValueError, TypeError, InvalidToken):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        session = None
    if session is None or not (
        session.conversation_id == conversation_id
        and isinstance(session.history, list)
        and isinstance(session.lead, dict)
    ):
        log.warning("session_cache_unreadable", conversation_id=conversation_id)
        return None
    return session


def save(session: Session) -> None:
    """Write through: PostgreSQL first (the durable copy), then Redis with a fresh TTL."""
    # One INSERT … ON CONFLICT DO UPDATE: a single round trip, and safe if two writers race. The statement is
    # bulk_create's, compiled once per process (core.compiled: building it was ~0.4 ms of every turn).
    compiled.upsert(_row(session), unique_fields=UPSERT_KEY, update_fields=UPSERT_FIELDS)
    cache(session)


def write_alongside(session: Session, name: str = "session_saved") -> tuple[str, list[Any]]:
    """`save`'s database write as a `WITH` item for another statement's round trip (`core.compiled.insert`'s
    `alongside`: the turn's reply). The caller caches the session (`cache`) once that statement has run."""
    return compiled.upsert_alongside(name, _row(session), unique_fields=UPSERT_KEY, update_fields=UPSERT_FIELDS)


def _row(session: Session) -> SessionState:
    return SessionState(
        conversation_id=session.conversation_id,
        history=session.history[-HISTORY_LENGTH:],
        mode=session.mode,
        language=session.language,
        lead=session.lead,
        low_confidence_streak=session.low_confidence_streak,
        updated_at=timezone.now(),
    )


def cache(session: Session) -> None:
    # Its fields as they are (no deep copy like `asdict`'s: the dict is serialised at once, ~0.3 ms a turn).
    data = {f.name: getattr(session, f.name) for f in fields(session) if f.name != "source"}
    # The database copy is authoritative: if Redis is down, the next turn rebuilds the cache.
    with contextlib.suppress(redis.RedisError):
        get_redis().set(redis_key(session.conversation_id), crypto.encrypt_json(data), ex=settings.SESSION_TTL_SECONDS)


def forget(conversation_id: int) -> None:
    with contextlib.suppress(redis.RedisError):
        get_redis().delete(redis_key(conversation_id))
