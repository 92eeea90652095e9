"""The conversation engine: one guest turn, whatever channel it came from.

`record_guest_message` / `ingest` store what the guest said (on the request path, idempotent);
`run_turn` answers it (on a worker): session → mode → retrieval → provider → persistence, with
the time of each stage recorded on the AI message. `conversations.turns` decides when a turn runs
and where its output goes (a `TurnSink`); the steps other apps add to a turn come through
`conversations.turn_steps`. The engine never knows the channel's limits; adapters fit the reply
to their channel.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import structlog
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Avg, Count, FloatField, OuterRef, QuerySet, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from assistant import modes, outside, prompts, retrieval
from assistant.guard import ReplyGuard
from assistant.language import detect_guest_language, detect_language
from assistant.parts import asked_parts
from assistant.providers.base import AskedPart, ChatRequest, ChatResult, Hit
from assistant.router import RoutedResult, generate
from assistant.sanitize import sanitize_guest_text
from conversations import handoff, sessions, turn_steps, unanswered
from conversations.models import (
    AiMode,
    Channel,
    ChannelSettings,
    Conversation,
    ConversationStatus,
    Guest,
    GuestIdentity,
    Message,
    MessageRole,
)
from conversations.turn_steps import Answered, StepReply, Turn
from core import compiled, metrics, settings_cache
from core.languages import spoken
from core.redis import ReadingLock, get_redis, key
from core.telemetry import stage_span
from messaging.base import NormalizedMessage
from properties.models import Property
from properties.realtime import notify_staff
from properties.services import current_property_cached, team_back

log = structlog.get_logger(__name__)

# What one turn reads of the guest's new text (an e-mail's quoted history and signature are cut at the door): any
# real question fits; a longer message (a 2 MB paste) goes to staff unread, never to the model and its time limit.
MAX_TURN_CHARS = 6000

# `back`: when the team is next there (`properties.services.team_back`), "at 9:00 am today".
AFTER_HOURS_NOTE = {
    "en": "Our team is offline right now and will follow up with you {back}.",
    "ms": "Pasukan kami berada di luar waktu operasi sekarang dan akan menghubungi anda {back}.",
}


@dataclass
class TurnSink:
    """Where a turn's output goes (`conversations.turns.sink_for` picks one per channel).

    The web widget streams it: tokens as they come, a reset when the guard takes them back, the
    stored reply once committed. WhatsApp and e-mail take the reply whole: `on_reply` runs inside
    the transaction that stores it, so the outbox row commits with the reply or not at all.
    """

    on_token: Callable[[str], None] = lambda piece: None
    on_reset: Callable[[], None] = lambda: None
    on_done: Callable[[Message], None] = lambda message: None
    on_reply: Callable[[Message, Conversation], object] = lambda message, conversation: None


@dataclass
class Answer:
    text: str
    language: str
    mode: str
    hits: tuple[Hit, ...]
    routed: RoutedResult
    after_hours: bool
    timings: dict[str, float] = field(default_factory=dict)
    mode_source: str = "rules"  # rules | llm
    verdict: modes.ModelVerdict | None = None  # the model's reading of the turn, when there was one
    # the question's topics and names no item names (retrieval.topics_named_nowhere, outside.names_named_nowhere)
    unnamed: tuple[str, ...] = ()
    back: str | None = None  # after hours, when the team is next there ("from 9:00 am tomorrow"); None in hours

    @property
    def confidence(self) -> float:
        # Grounding is the signal we trust: the best retrieval score, or none at all.
        return round(max((h.score for h in self.hits), default=0.0), 4)


# --- Ingestion (request path) ----------------------------------------------------------------


def start_web_conversation(*, widget_key_id: int, consent_text: str, language: str = "en") -> Conversation:
    """A new widget guest who has accepted the privacy notice, and their conversation."""
    now = timezone.now()
    visitor = uuid.uuid4().hex
    with transaction.atomic():
        guest = Guest.objects.create(
            language=spoken(language),
            consent_given_at=now,
            consent_text=consent_text,
            first_seen_at=now,
            last_seen_at=now,
        )
        GuestIdentity.objects.create(guest=guest, channel=Channel.WEB, external_id=f"{widget_key_id}:{visitor}")
        return Conversation.objects.start(guest, Channel.WEB, f"widget:{widget_key_id}:{visitor}", at=now)


def record_guest_message(
    conversation: Conversation, text: str, *, provider_message_id: str, extra: dict[str, Any] | None = None
) -> tuple[Message, bool]:
    """Store a guest message once: a retried delivery (same provider id) returns the first row."""
    now = timezone.now()
    # One statement (the touch rides in it), atomic by itself: outside a caller's transaction it runs alone in
    # autocommit, without the BEGIN and the COMMIT an atomic block adds (psycopg sends each as a round trip of its own:
    # two of the widget POST's). The staff event still goes once the row is committed. Inside a caller's transaction
    # a savepoint, as before, so a retried delivery's conflict leaves that transaction usable.
    alone = not connection.in_atomic_block and connection.get_autocommit()
    alone = alone and compiled.inserts_in_one_statement(Message)
    try:
        with contextlib.nullcontext() if alone else transaction.atomic():
            # Message.objects.create(...), its INSERT compiled once per process: building it through the ORM was
            # ~0.1 ms of daphne's CPU on every widget message (docs/benchmarks.md, p32).
            message = compiled.insert(
                Message(
                    conversation=conversation,
                    role=MessageRole.GUEST,
                    content=text,
                    channel=conversation.channel,
                    provider_message_id=provider_message_id,
                    metadata={"channel": extra or {}},
                    created_at=now,
                ),
                alongside=(_TOUCH, [now, conversation.pk, now]),  # the touch in the INSERT's round trip
            )
            _notify_inbox(conversation, message)
    except IntegrityError:
        return Message.objects.get(channel=conversation.channel, provider_message_id=provider_message_id), False
    return message, True


# The conversation's last message and its guest's last visit, written with the guest's message (its hot path).
_TOUCH = f"""
    touched AS (UPDATE {Conversation._meta.db_table} SET last_message_at = %s WHERE id = %s RETURNING guest_id),
    seen AS (UPDATE {Guest._meta.db_table} SET last_seen_at = %s WHERE id = (SELECT guest_id FROM touched) RETURNING id)
"""  # noqa: S608 - the table names are our models'


# `Guest.objects.filter(pk=…).update(language=…)` as the ORM writes it (a queryset UPDATE: no auto_now, no signal),
# as a WITH item of the reply's INSERT.
_GUEST_LANGUAGE = f"""
    guest_language AS (UPDATE {Guest._meta.db_table} SET {Guest._meta.get_field("language").column} = %s WHERE id = %s)
"""  # noqa: S608 - the table and column names are our model's


def ingest(normalized: NormalizedMessage) -> tuple[Conversation, Message, bool]:
    """Any channel's inbound message: find or create the guest and their open conversation, store it."""
    now = timezone.now()
    with transaction.atomic():
        guest = Guest.objects.known_as(normalized.channel, normalized.sender_id)
        if guest is None:
            new = Guest.objects.create(name=normalized.sender_name[:200], first_seen_at=now, last_seen_at=now)
            identity, _ = GuestIdentity.objects.get_or_create(
                channel=normalized.channel, external_id=normalized.sender_id, defaults={"guest": new}
            )
            guest = identity.guest  # another delivery may have created the identity first
        conversation = Conversation.objects.select_for_update().open_or_start(
            guest, normalized.channel, normalized.thread_id, at=now
        )
    message, created = record_guest_message(
        conversation,
        normalized.text,
        provider_message_id=normalized.provider_message_id,
        extra={"kind": normalized.kind, **normalized.extra},
    )
    return conversation, message, created


# --- Answering (worker) ----------------------------------------------------------------------


def answer(
    question: str,
    *,
    history: list[dict[str, str]] | None = None,
    language: str = "en",
    current_mode: str = AiMode.CONCIERGE,
    low_confidence_streak: int = 0,
    property_: Property | None = None,
    now: Any = None,
    sink: TurnSink | None = None,
    verdict: modes.ModelVerdict | None = None,
    gives_details: bool = False,
) -> Answer:
    """The AI core for one question in the current schema, without touching any conversation.

    `verdict`: the model's structured reading of the turn (from the turn steps); the mode is settled
    between it and the rules by `modes.settle_mode`. Without one the rules decide alone.
    `gives_details`: the message gives the guest's details (see `turn_steps.Turn.gives_details`).
    """
    sink = sink or TurnSink()
    property_ = property_ or current_property_cached()
    text = sanitize_guest_text(question)
    # Read as the lead step reads the guest: "ok lah" or "thanks ya" stays English, "sy nk tau" is Malay.
    language = detect_guest_language(text, default=language)
    started = time.perf_counter()
    mode = modes.select_mode(
        text, current_mode=current_mode, low_confidence_streak=low_confidence_streak, history=history
    )
    mode, mode_source = modes.settle_mode(mode, verdict) if text else (mode, "rules")
    if gives_details and mode == AiMode.CONCIERGE:
        # A guest who gives their details while asking is taking an enquiry on: nothing found for the question
        # is then "happy to help" and the next detail, not "I don't have information" to a name and a phone.
        mode = AiMode.LEAD_CAPTURE
    timings: dict[str, float] = {"mode": (time.perf_counter() - started) * 1000}
    started = time.perf_counter()
    with stage_span("retrieval") as span:
        parts = _searched_parts(text, language, property_) if text and mode != AiMode.HANDOFF else ()
        if parts:
            hits = _merged(part.hits for part in parts)
            unnamed = tuple(dict.fromkeys(topic for part in parts for topic in part.unnamed))
        else:
            hits = retrieval.retrieve(text, language=language) if text else ()
            unnamed = _unnamed(text, hits, property_)
        span.set_attribute("nocturn.hits", len(hits))
    timings["retrieval"] = (time.perf_counter() - started) * 1000
    back = team_back(property_, now or timezone.now(), language)
    after_hours = back is not None
    voice = ChannelSettings.cached()
    request = ChatRequest(
        system=prompts.system_prompt(
            property_name=property_.name,
            language=language,
            mode=mode,
            after_hours=after_hours,
            back=back or "",
            tone=voice.ai_tone,
            instructions=voice.ai_instructions,
        ),
        messages=prompts.build_messages(history or [], text, hits),
        question=text,
        language=language,
        mode=mode,
        hits=hits,
        property_name=property_.name,
        unnamed=unnamed,
        waiting=current_mode == AiMode.HANDOFF,
        parts=parts,
    )
    started = time.perf_counter()
    with stage_span("llm", **{"nocturn.mode": mode}) as span:
        # The guard streams with a short lag and swaps a reply that repeats the prompt for a safe one.
        guard = ReplyGuard(request.system, language, sink)
        routed = generate(request, guard.on_token, on_reset=guard.on_reset)
        result = routed.result
        span.set_attributes(
            {
                "nocturn.provider": result.provider,
                "nocturn.model": result.model or "",
                "nocturn.attempts": len(routed.attempts),
            }
        )
    metrics.count_llm(connection.schema_name, result.provider, result.model or "", result.tokens_in, result.tokens_out)
    reply = guard.finish(routed.result.text)
    note = AFTER_HOURS_NOTE[language].format(back=back)
    said = _said(AFTER_HOURS_NOTE[language].partition("{back}")[0], history)  # on an earlier night too: once
    if after_hours and routed.result.provider == "offline" and mode != AiMode.HANDOFF and not said:
        # Models are told about the hour in the prompt; the templates need the note added. Once a conversation:
        # under every answer it buried the answers and read as if none of them were one. A handoff says when in
        # its own note (`handoff.handoff_note`), composed with it by the turn.
        sink.on_token("\n\n" + note)
        reply = f"{reply}\n\n{note}"
    timings["provider"] = (time.perf_counter() - started) * 1000
    return Answer(reply, language, mode, hits, routed, after_hours, timings, mode_source, verdict, unnamed, back)


MAX_MERGED_HITS = 12  # a message asking six things: about two items each reach the model's prompt


def _unnamed(text: str, hits: tuple[Hit, ...], property_: Property) -> tuple[str, ...]:
    if not hits:
        return ()
    return retrieval.topics_named_nowhere(text, hits) + outside.names_named_nowhere(
        text, hits, property_name=property_.name
    )


def _searched_parts(text: str, language: str, property_: Property) -> tuple[AskedPart, ...]:
    """Each thing a message asking three or more asks, with its own hits: searched whole, such a message is
    nearest to the items of one or two of its questions ("rooms, rates, the pool, parking, the spa, check-in
    and breakfast?" found breakfast). () for a message asking fewer: it is searched and answered whole."""
    parts = []
    for question, asked in asked_parts(text):
        hits = retrieval.retrieve(question, language=language)
        parts.append(AskedPart(question, asked, hits, _unnamed(question, hits, property_)))
    return tuple(parts)


def _merged(found: Iterable[tuple[Hit, ...]]) -> tuple[Hit, ...]:
    """The parts' hits, each chunk once, each part's best first (what a model reads: every part's items)."""
    by_part = [list(hits) for hits in found]
    merged: dict[int, Hit] = {}
    for rank in range(max((len(hits) for hits in by_part), default=0)):
        for hits in by_part:
            if rank < len(hits) and len(merged) < MAX_MERGED_HITS:
                merged.setdefault(hits[rank].chunk_id, hits[rank])
    return tuple(merged.values())


def _said(text: str, history: list[dict[str, str]] | None) -> bool:
    """Whether an earlier reply of the conversation already said `text`."""
    return any(turn["role"] == MessageRole.AI and text in turn["content"] for turn in history or [])


# `_unanswered_guest_messages` in one statement. The floor: the last reply that does not list what it answered
# (staff, a notice). The flag: whether an AI reply already answered `replied_to` (a redelivered turn).
_PENDING_SQL = f"""
    SELECT m.*, (%(replied_to)s::bigint IS NOT NULL AND EXISTS (
        SELECT 1 FROM {Message._meta.db_table} r
        WHERE r.conversation_id = %(conversation)s AND r.role = %(ai)s
          AND r.metadata -> 'reply_to' = to_jsonb(%(replied_to)s::bigint)
    )) AS redelivered
    FROM {Message._meta.db_table} m
    WHERE m.conversation_id = %(conversation)s AND m.role = %(guest)s
      AND m.id > COALESCE((
        SELECT max(r.id) FROM {Message._meta.db_table} r
        WHERE r.conversation_id = %(conversation)s AND (r.role = %(staff)s OR (r.role = %(ai)s AND NOT COALESCE(
            jsonb_typeof(r.metadata -> 'answers') = 'array' AND jsonb_array_length(r.metadata -> 'answers') > 0, false
        )))
      ), 0)
      AND NOT EXISTS (
        SELECT 1 FROM {Message._meta.db_table} r
        WHERE r.conversation_id = %(conversation)s AND r.role = %(ai)s AND r.metadata -> 'answers' @> to_jsonb(m.id)
      )
    ORDER BY m.id
"""  # noqa: S608 - the table name is our model's


def _unanswered_guest_messages(conversation: Conversation, replied_to: int | None = None) -> list[Message]:
    """The guest's messages no reply has answered yet, oldest first; none when an AI reply already
    answered `replied_to` (its `metadata.reply_to`: a redelivered turn).

    An AI reply says which messages it answered (`metadata.answers`); that, not id order, decides.
    Ids are handed out at INSERT but rows become visible at COMMIT, so a guest message can get a
    smaller id than a reply whose turn never saw it (chaos testing caught one left unanswered that
    way). A reply that does not list what it answered (staff, a notice) answers everything before it.
    Decided in PostgreSQL, in one statement: the replies' metadata never travels (it grows with the
    conversation), and only the pending messages are read and decrypted.
    """
    params = {
        "conversation": conversation.pk,
        "replied_to": replied_to,
        "ai": MessageRole.AI,
        "staff": MessageRole.STAFF,
        "guest": MessageRole.GUEST,
    }
    pending = compiled.raw(Message, _PENDING_SQL, params)  # Message.objects.raw's rows, its plan made once
    if pending and pending[0].redelivered:
        return []
    return pending


def pending_turn(conversation: Conversation, message_id: int | None = None) -> int | None:
    """The guest message whose turn answers `message_id` (any pending message when None), while nothing has
    answered it yet: the newest pending one (its turn answers the whole burst, see run_turn), else None."""
    pending = _unanswered_guest_messages(conversation)
    if not pending or (message_id is not None and all(m.pk != message_id for m in pending)):
        return None
    return pending[-1].pk


def run_turn(
    conversation_id: int,
    message_id: int,
    *,
    sink: TurnSink | None = None,
    sink_for: Callable[[Conversation], TurnSink] | None = None,
    now: Any = None,
    lock_wait: float | None = None,
) -> Message | None:
    """Answer the guest's pending messages once; running it again for the same message does nothing.

    Messages that arrive while a turn is being answered are answered together by the turn of the
    newest one (a guest who sends three lines gets one reply). `lock_wait`: how long to wait for a
    busy conversation before raising LockError (default: until a killed worker's lock expires).
    `sink_for`: builds the sink from the conversation the turn loads (its channel), instead of `sink`.
    """
    sink = sink or TurnSink()
    schema = connection.schema_name
    session_key, stamp_key = sessions.redis_key(conversation_id), settings_cache.stamp_key(schema)
    # A worker killed mid-turn leaves the lock until it times out; the redelivered turn waits for it. The two keys
    # the turn reads first (its session's cached copy, the property's settings stamp) are read in the round trip
    # that takes the lock, after it (two round trips a turn fewer).
    lock = ReadingLock(
        get_redis(),
        key(schema, "turn", conversation_id),
        timeout=settings.TURN_LOCK_TIMEOUT,
        blocking_timeout=settings.TURN_LOCK_TIMEOUT + 10 if lock_wait is None else lock_wait,
        reads=(session_key, stamp_key),
    )
    # One read of the property's settings stamp serves every cached row the turn reads (core.settings_cache).
    with lock, settings_cache.one_stamp_read({schema: lock.values[stamp_key]}):
        return _run_turn_locked(conversation_id, message_id, sink, now, sink_for, cached=lock.values[session_key])


def conversation_with_guest(conversation_id: int) -> QuerySet[Conversation]:
    return Conversation.objects.select_related("guest").filter(pk=conversation_id)


def _locked_ai_mode(conversation_id: int) -> QuerySet[Conversation]:
    """Who holds the conversation, its row locked for the rest of the turn's transaction."""
    return Conversation.objects.select_for_update().filter(pk=conversation_id).values_list("ai_mode", flat=True)


def _run_turn_locked(
    conversation_id: int,
    message_id: int,
    sink: TurnSink,
    now: Any,
    sink_for: Callable[[Conversation], TurnSink] | None = None,
    cached: Any = sessions.NOT_READ,
) -> Message | None:
    total_started = time.perf_counter()
    # The steps other apps registered (the lead step): see conversations.turn_steps. What they read in every turn is
    # read with the conversation, in one statement (its SQL built once per process).
    steps = turn_steps.registered()
    first_reads = {note: build for step in steps for note, build in getattr(step, "first_reads", {}).items()}
    if first_reads:
        conversation, *found = compiled.firsts(
            (conversation_with_guest, (conversation_id,)),
            *((build, (conversation_id,)) for build in first_reads.values()),
        )
    else:
        conversation, found = compiled.first(conversation_with_guest, conversation_id), []
    if conversation is None or conversation.ai_mode == AiMode.STAFF:
        return None  # staff hold the conversation: the guest's message goes to them only
    if sink_for is not None:
        sink = sink_for(conversation)
    pending = _unanswered_guest_messages(conversation, replied_to=message_id)
    if not pending or pending[-1].pk != message_id:
        return None  # already answered, or a newer message's turn will answer this one too

    started = time.perf_counter()
    session = sessions.load(conversation, before_message_id=pending[0].pk, raw=cached)
    session_ms = (time.perf_counter() - started) * 1000
    question = "\n".join(m.content for m in pending)
    property_ = current_property_cached()
    too_long = len(question) > MAX_TURN_CHARS
    question = question[:MAX_TURN_CHARS]
    turn = Turn(conversation, question, session.language, session, now or timezone.now(), property_)
    turn.notes.update(zip(first_reads, found, strict=True))
    if too_long:
        language = detect_language(question, default=session.language)
        back = team_back(property_, turn.now, language)
        text = f"{handoff.TOO_LONG[language]} {handoff.handoff_note(language, back=back)}"
        step_reply = StepReply(text, AiMode.HANDOFF, handoff_trigger="too_long", source="too_long", language=language)
    else:
        # A step may answer the turn itself (the guest answered the lead's consent question): no model call.
        step_reply = next((r for step in steps if (r := step.before_answer(turn)) is not None), None)
    if step_reply is None and session.mode != AiMode.HANDOFF and modes.only_greets(question):
        # Nothing asked yet: greeted back, no knowledge, no handoff offer, no gap (see `modes.only_greets`).
        language = modes.greeting_language(question, session.language)
        welcomed = Message.objects.filter(
            conversation=conversation, role=MessageRole.SYSTEM, metadata__greeting=True, pk__gt=pending[0].pk
        ).exists()
        text = modes.greeting_reply(question, language, property_.name, welcomed=welcomed)
        if modes.says_nothing(question) and session.history:  # "👍" or "??" after a reply: never welcomed again
            text = modes.nod_reply(session.history, language)
        step_reply = StepReply(text, session.mode, {"greeting": True}, source="greeting", language=language)
    if step_reply is None and session.mode != AiMode.HANDOFF and modes.only_courtesy(question):
        said = modes.last_reply(session.history)
        if not (said and modes.awaits_an_answer(said) and not modes.thanks_only(question)):
            text, language = modes.courtesy_reply(question, session.language)
            step_reply = StepReply(text, session.mode, {"courtesy": True}, source="courtesy", language=language)
    if step_reply is not None:
        sink.on_token(step_reply.text)
        result = Answer(
            step_reply.text,
            step_reply.language or session.language,
            step_reply.mode,
            (),
            RoutedResult(ChatResult(step_reply.text, step_reply.source)),
            not property_.is_open_at(now or timezone.now()),
            {"mode": 0.0, "retrieval": 0.0, "provider": 0.0},
        )
    else:
        # One structured reading of the turn by the model (mode, details, confidence), made by the step
        # that also needs the details; it is timed with the turn's mode stage.
        started = time.perf_counter()
        verdict = next((v for step in steps if (v := step.read(turn)) is not None), None)
        reading_ms = (time.perf_counter() - started) * 1000
        result = answer(
            question,
            history=session.history,
            language=session.language,
            current_mode=session.mode,
            low_confidence_streak=session.low_confidence_streak,
            property_=property_,
            now=now,
            sink=sink,
            verdict=verdict,
            gives_details=turn.gives_details,
        )
        result.timings["mode"] += reading_ms
    extra_meta: dict[str, Any] = {}
    if step_reply is not None:
        extra_meta.update(step_reply.metadata)
    else:
        for step in steps:
            follow = step.after_answer(turn, Answered(result.text, result.mode, result.language))
            if follow is not None:
                _append(result, sink, follow.text)
                extra_meta.update(follow.metadata)
    handoff_trigger = ""
    new_episode = result.mode == AiMode.HANDOFF and handoff.open_episode(conversation.pk) is None
    if new_episode:
        if step_reply is not None:  # its own reply already says who takes over
            handoff_trigger = step_reply.handoff_trigger
        else:
            handoff_trigger = handoff.trigger_for(
                question,
                low_confidence_streak=session.low_confidence_streak,
                mode_source=result.mode_source,
                verdict=result.verdict,
            )
    if (
        result.mode == AiMode.HANDOFF
        and step_reply is None
        and (new_episode or result.routed.result.provider == "offline")
    ):
        # The handoff line and when the team replies, one paragraph: after hours when it is next there, never "as soon
        # as they can" beside "offline". A guest writing again while waiting hears when again (the templates do not know
        # the hour; a model was told it in the prompt).
        note = handoff.handoff_note(result.language, back=result.back, new_episode=new_episode)
        _append(result, sink, note, separator=" ")

    started = time.perf_counter()
    now = now or timezone.now()
    # Only a question the knowledge could not answer counts towards handing over for low confidence:
    # a step's own reply, or a booking enquiry the lead step takes on, holds no knowledge by nature.
    low = step_reply is None and result.mode == AiMode.CONCIERGE and result.confidence < modes.LOW_CONFIDENCE
    session.low_confidence_streak = session.low_confidence_streak + 1 if low else 0
    for m in pending:
        session.remember(MessageRole.GUEST, sanitize_guest_text(m.content[:MAX_TURN_CHARS]))
    session.remember(MessageRole.AI, result.text)
    session.mode, session.language = result.mode, result.language
    # The steps update their own state in the session (the partial lead), saved with it below;
    # timed as the turn's "lead" stage.
    lead_started = time.perf_counter()
    for step in steps:
        step.remember(turn, Answered(result.text, result.mode, result.language))
    lead_ms = (time.perf_counter() - lead_started) * 1000
    routed = result.routed
    metadata: dict[str, Any] = {
        "reply_to": message_id,
        "answers": [m.pk for m in pending],
        "provider": routed.result.provider,
        "model": routed.result.model,
        "attempts": [{"provider": a.provider, "outcome": a.outcome, "ms": round(a.ms, 2)} for a in routed.attempts],
        # A reply the assistant wrote itself (a greeting, the lead's questions, a handoff line) searched no knowledge:
        # no confidence, not "0.00" beside it on the staff page as if the answer were a guess.
        "confidence": None if step_reply is not None else result.confidence,
        "knowledge": [
            {"item_id": h.item_id, "chunk_id": h.chunk_id, "title": h.title, "score": round(h.score, 4)}
            for h in result.hits
        ],
        "mode": result.mode,
        "mode_source": result.mode_source,
        "mode_confidence": result.verdict.confidence if result.verdict is not None else None,
        "language": result.language,
        "after_hours": result.after_hours,
        "tokens": {"in": routed.result.tokens_in, "out": routed.result.tokens_out},
        "session_source": session.source,
        **extra_meta,
    }
    with transaction.atomic():
        if compiled.value(_locked_ai_mode, conversation.pk) == AiMode.STAFF:  # its SQL built once per process
            # Staff took over while the answer was being written: it is never sent or stored.
            transaction.on_commit(sink.on_reset)
            return None
        # What needs no reply row goes in the reply's own statement as WITH items (one round trip instead of two or
        # three, and one outcome: an INSERT that fails writes neither): the session's write-through to its row, and
        # the guest's new language.
        writes = [sessions.write_alongside(session)]
        if result.language != conversation.guest.language:
            writes.append((_GUEST_LANGUAGE, [result.language, conversation.guest_id]))
        latency = {
            "session": round(session_ms, 2),
            "mode": round(result.timings["mode"], 2),
            "retrieval": round(result.timings["retrieval"], 2),
            "provider": round(result.timings["provider"], 2),
            "lead": round(lead_ms, 2),
            # Up to the reply's INSERT (which carries the guest's and the session's writes): the conversation's lock.
            "persistence": round((time.perf_counter() - started) * 1000 - lead_ms, 2),
        }
        latency["total"] = round((time.perf_counter() - total_started) * 1000, 2)
        metadata["latency_ms"] = latency
        reply = compiled.insert(  # Message.objects.create(...), its INSERT compiled once per process
            Message(
                conversation=conversation,
                role=MessageRole.AI,
                content=result.text,
                channel=conversation.channel,
                metadata=metadata,
                created_at=now,
            ),
            alongside=(", ".join(sql for sql, _ in writes), [param for _, params in writes for param in params]),
        )
        sessions.cache(session)  # Redis after its database copy, as `sessions.save` does
        sink.on_reply(reply, conversation)  # WhatsApp/e-mail: the outbox row commits with the reply
        updates: dict[str, Any] = {"ai_mode": result.mode, "last_message_at": now}
        if result.after_hours:
            updates["is_after_hours"] = True
        if handoff_trigger:
            handoff.begin_handoff(conversation.pk, trigger=handoff_trigger, at=now)
        if step_reply is None:
            _report_unanswered(conversation, reply, pending, result, handoff_trigger, now)
        if result.mode == AiMode.HANDOFF:
            updates["status"] = ConversationStatus.HANDED_OFF
        # Counted from the stored rows in the same statement (recounted, never incremented).
        _update_conversation(conversation.pk, updates)
        transaction.on_commit(lambda: sink.on_done(reply))
        conversation.status = updates.get("status", conversation.status)
        conversation.ai_mode = result.mode
        _notify_inbox(conversation, reply)
    metrics.observe_turn(latency, conversation.channel)
    log.info(
        "guest_turn",
        conversation=conversation.pk,
        provider=routed.result.provider,
        mode=result.mode,
        confidence=result.confidence,
        latency_ms=latency,
    )
    return reply


def _report_unanswered(
    conversation: Conversation, reply: Message, pending: list[Message], result: Answer, trigger: str, now: Any
) -> None:
    """A question the knowledge could not answer goes to whoever listens (the gap inbox), in this transaction."""
    reason = unanswered.reason_for(
        mode=result.mode, hits=len(result.hits), confidence=result.confidence, handoff_trigger=trigger
    )
    if reason:
        question = sanitize_guest_text("\n".join(m.content for m in pending))  # as retrieval read it
        unanswered.report(
            unanswered.Unanswered(
                conversation,
                reply,
                tuple(pending),
                question,
                result.language,
                reason,
                result.confidence,
                now,
                # A topic no item names ("lunch", beside the breakfast found) is the gap, whatever was found near it.
                () if result.unnamed else tuple(f"{h.title}\n{h.text}" for h in result.hits),
            )
        )


def _update_conversation(pk: int, updates: dict[str, Any]) -> None:
    """`Conversation.objects.filter(pk=pk).update(**updates, **_stats_from_messages())`, the statistics' SQL
    compiled once per process: compiling its two subqueries cost ~1–1.7 ms of CPU every turn."""
    compiled.update(Conversation, pk, updates, _stats_from_messages)


def _stats_from_messages() -> dict[str, Subquery]:
    mine = Message.objects.filter(conversation=OuterRef("pk")).order_by().values("conversation")
    confidence = Cast(KeyTextTransform("confidence", "metadata"), FloatField())
    return {
        "message_count": Subquery(mine.annotate(n=Count("id")).values("n")),
        "average_ai_confidence": Subquery(
            mine.filter(role=MessageRole.AI, metadata__has_key="confidence").annotate(a=Avg(confidence)).values("a")
        ),
    }


def _append(result: Answer, sink: TurnSink, text: str, separator: str = "\n\n") -> None:
    sink.on_token(separator + text)
    result.text = f"{result.text}{separator}{text}"


def _notify_inbox(conversation: Conversation, message: Message) -> None:
    """The staff inbox's live feed: every stored guest or AI message (sent once the transaction commits)."""
    notify_staff(connection.schema_name, "message.new", handoff.message_event(message, conversation))
