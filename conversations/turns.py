"""One path for every guest turn, whatever the channel: a stored guest message goes to staff or gets one answer.

`receive` is called by both doors once the guest's message is stored: the widget API (on the
request) and the inbound pipeline for WhatsApp and e-mail (on a worker, after its media and
greeting steps). If staff hold the conversation, they are told and the AI stays silent; otherwise
one `buffered_turn` task answers after the property's buffer window (0 s for the widget, whose
guest watches the reply stream in). That task is a `DurableTask` (acks_late, back-off, dead
letter) and `engine.run_turn` makes it idempotent: a redelivered turn answers once, and the turn
of the newest message in a burst answers all of it (`metadata.answers`).

`answer` is the task's body: it picks the channel's sink and runs the engine under the
conversation's lock. The web sink streams tokens over the guest's websocket; WhatsApp and e-mail
get an outbox row committed with the reply.

`give_up` is what follows the task's last failure (its dead letter), on every channel alike: the guest
is told once, in their language, that a person will reply, and the conversation is handed to staff.
"""

from __future__ import annotations

import datetime as dt
import time

import structlog
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from redis.exceptions import LockError

from conversations import engine, handoff, realtime, task_names
from conversations.models import AiMode, Channel, ChannelSettings, Conversation, Message, MessageRole
from conversations.payloads import message_payload
from conversations.pipeline import notices, outbox
from core.durability import TransientError, enqueue, publish
from core.redis import get_redis, key
from properties.realtime import notify_staff

log = structlog.get_logger(__name__)

# Seconds a turn waits for a busy conversation before giving way to a retry with back-off: a conversation
# locked by a killed worker (up to TURN_LOCK_TIMEOUT) must not hold this worker process past the soft time
# limit (found by `make chaos`: two such waits stalled a two-process worker and ended as dead letters).
TURN_LOCK_WAIT = 10.0

# The beat job's sweep of widget messages left unanswered (their turn's send failed and the guest never retried):
# older than STALE_WEB_TURN, younger than WEB_TURN_HORIZON (a guest long gone is staff's to answer, from the
# inbox), at most RESEND_BATCH conversations a run and schema, the oldest first.
STALE_WEB_TURN = dt.timedelta(seconds=60)
WEB_TURN_HORIZON = dt.timedelta(hours=1)
RESEND_BATCH = 50


def receive(conversation: Conversation, message: Message) -> bool:
    """A stored guest message: to staff only when they hold the conversation (False), else a turn is scheduled."""
    if conversation.ai_mode == AiMode.STAFF:
        notify_staff(
            connection.schema_name, "guest_message", {"conversation_id": conversation.pk, "message_id": message.pk}
        )
        return False
    schedule(conversation, message.pk)
    return True


def resend(conversation: Conversation, message: Message) -> bool:
    """A guest message stored before whose turn may never have been sent (the widget's retried POST after a
    500, the beat job's sweep): its turn again while nothing has answered it and staff do not hold it.

    A second turn for a message whose first is still queued or running is harmless: run_turn takes the
    conversation's lock and finds the message answered (or a newer one's turn answering it) and does nothing.
    """
    if conversation.ai_mode == AiMode.STAFF:
        return False  # staff were told when it was stored; a retry never wakes the AI
    turn_of = engine.pending_turn(conversation, message.pk)
    if turn_of is None:
        return False
    schedule(conversation, turn_of)
    return True


def resend_stale(deadline: float) -> int:
    """Widget conversations whose newest message is a guest's left unanswered past STALE_WEB_TURN: their turn
    sent again (`resend`'s rule); returns how many. Stops at `deadline` (time.monotonic()).

    The widget has no stored inbound event for `inbound.requeue_stale` to find, so this is its safety net
    for a turn whose send failed. Each resend is a lease, as there: not again before the pending message's
    age has doubled (a Redis key that expires then), so a worker backlog gains a few copies of its oldest
    turns (each finds its message answered under the turn's lock: one SELECT), never one every run.
    Broker errors propagate (the lease is then given back).
    """
    now = timezone.now()
    newest_role = Message.objects.filter(conversation=OuterRef("pk")).order_by("-id").values("role")[:1]
    stale = (
        Conversation.objects.filter(
            channel=Channel.WEB, last_message_at__gt=now - WEB_TURN_HORIZON, last_message_at__lt=now - STALE_WEB_TURN
        )
        .exclude(ai_mode=AiMode.STAFF)
        .annotate(newest_role=Subquery(newest_role))
        .filter(newest_role=MessageRole.GUEST)
        .order_by("last_message_at", "pk")[:RESEND_BATCH]
    )
    schema, redis, resent = connection.schema_name, get_redis(), 0
    for conversation in stale:
        if time.monotonic() >= deadline:
            break
        turn_of = engine.pending_turn(conversation)
        if turn_of is None:
            continue
        lease = key(schema, "turn-resend", turn_of)
        age = max(STALE_WEB_TURN, now - conversation.last_message_at)
        if not redis.set(lease, 1, nx=True, ex=int(age.total_seconds())):
            continue  # resent by an earlier run, its copy perhaps still queued
        try:
            schedule(conversation, turn_of)
        except BaseException:
            redis.delete(lease)
            raise
        resent += 1
    if resent:
        log.info("web_turns_resent", schema=schema, count=resent)
    return resent


def buffer_window(conversation: Conversation) -> float:
    """Seconds to wait for more lines from the guest: the property's setting; none on the widget (it streams)."""
    if conversation.channel == Channel.WEB:
        return 0.0
    return max(0.0, ChannelSettings.cached().buffer_window_seconds)


def schedule(conversation: Conversation, message_id: int) -> None:
    """Answer after the buffer window; a newer guest message's turn answers this one too (see run_turn).

    Sent at once, not on commit: the message is committed (the widget) or the worker runs it after
    the window, by when it is (the inbound pipeline).
    """
    window = buffer_window(conversation)
    # No result asked for: nobody reads it, and asking costs two Redis round trips (see enqueue).
    if window:
        enqueue(task_names.BUFFERED_TURN, args=[conversation.pk, message_id], countdown=window, ignore_result=True)
    else:  # the widget's every message: LPUSHed without kombu's producer (its CPU was the POST's biggest part)
        publish(task_names.BUFFERED_TURN, args=[conversation.pk, message_id], ignore_result=True)


def sink_for(conversation: Conversation, stream: realtime.GuestStream | None = None) -> engine.TurnSink:
    """The widget streams the turn to the guest's socket; WhatsApp and e-mail stage the reply in the outbox."""
    if stream is None:
        return engine.TurnSink(on_reply=outbox.stage)

    def on_done(message: Message) -> None:
        stream.finish("message", message_payload(message))  # the task is acked only once the guest was sent the reply

    return engine.TurnSink(
        on_token=lambda piece: stream.push("token", {"text": piece}),
        on_reset=lambda: stream.push("reset", {}),
        on_done=on_done,
    )


def answer(conversation_id: int, message_id: int) -> int | None:
    """The turn on the worker, in the schema the task carries: the reply's id, or None (nothing to answer)."""
    streams: list[realtime.GuestStream] = []

    def sink_of(conversation: Conversation) -> engine.TurnSink:  # from the conversation the turn loads
        if conversation.channel != Channel.WEB:
            return sink_for(conversation)
        streams.append(realtime.GuestStream(connection.schema_name, conversation.pk))
        return sink_for(conversation, streams[-1])

    try:
        reply = engine.run_turn(conversation_id, message_id, sink_for=sink_of, lock_wait=TURN_LOCK_WAIT)
    except LockError as exc:
        # Another turn (or one a killed worker left behind) holds the conversation: try again later.
        raise TransientError(f"conversation {conversation_id} is busy: {exc}") from exc
    except Exception:
        for stream in streams:  # the retry streams the answer afresh: take back what this attempt showed
            stream.push("reset", {})
            stream.flush()
        raise
    return reply.pk if reply is not None else None


def failure_in_words(exc: BaseException) -> str:
    """Why a turn failed, as staff read it on the handoff (the exception itself is in the dead letter)."""
    if isinstance(exc, SoftTimeLimitExceeded | TimeLimitExceeded):
        return "the assistant took too long to answer"
    if isinstance(exc, TransientError | ConnectionError | TimeoutError | OperationalError):
        return "a service the assistant needs was unavailable"
    return "the assistant ran into an error"


def give_up(conversation_id: int, message_id: int, error: str, *, now: dt.datetime | None = None) -> Message | None:
    """The turn of `message_id` failed for good (its task's retries are spent, or it can never succeed): one
    honest holding reply to the guest in their language, on their channel, and the conversation handed to staff
    (the inbox's waiting list, the no-takeover alert). Returns the notice, or None when there is nothing to do.

    The notice answers the guest's pending messages (an AI message listing none: see `notices`), so neither the
    beat job's sweep (`resend_stale`) nor a redelivered copy of the turn sends it again. Idempotent: copies of a
    turn that fail one after the other tell the guest once; a turn still running elsewhere (its lock held) or a
    message answered meanwhile leaves nothing to do. Called after the dead letter is written, so its own failure
    (the database still away) leaves the turn to the sweep and the admins' replay. `now`: the moment the guest is
    told when staff reply (the clock's by default).
    """
    lock = get_redis().lock(
        key(connection.schema_name, "turn", conversation_id),
        timeout=settings.TURN_LOCK_TIMEOUT,
        blocking_timeout=TURN_LOCK_WAIT,
    )
    try:
        with lock:
            conversation = engine.conversation_with_guest(conversation_id).first()
            if (
                conversation is None
                or conversation.ai_mode == AiMode.STAFF  # staff hold it: the guest's words went to them
                or engine.pending_turn(conversation, message_id) is None
            ):
                return None
            language = notices.language_of(conversation)
            when = notices.staff_reply_when(language, now)
            with transaction.atomic():
                handoff.begin_handoff(
                    conversation.pk,
                    trigger="turn_failed",
                    reason=f"The AI could not answer the guest ({error}): please answer them yourself.",
                )
                notice = notices.tell_guest(conversation, "turn_failed", language=language, when=when)
    except LockError:
        return None  # another copy of the turn is running: it answers, or it gives up in its turn
    log.warning("turn_given_up", conversation=conversation_id, message=message_id, notice=notice.pk, error=error)
    return notice
