"""The seam through which the engine reports a turn it could not answer (the gaps app listens).

After a turn's reply is stored, the engine calls `report` when retrieval found nothing relevant, the
answer's confidence was low, or the guest was handed to staff because the assistant could not answer
(the low-confidence handoff); and with what was found for any other concierge answer, so the recorder
can tell an answer grounded in unrelated knowledge from a real one. An app above conversations (gaps)
registers its recorder in its `AppConfig.ready`, so the engine never imports it. Booking turns are not
reported (lead capture belongs to the lead step), nor a request for a person or a complaint.

A recorder runs inside the reply's transaction, under a savepoint: a failure is logged and never
costs the guest their answer. Most turns report a grounded answer the recorder then ignores, so a
recorder may register a `wants` test (pure Python, no database): a turn it does not want costs no
savepoint pair (two statements on every answered turn otherwise).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from django.db import transaction

from assistant import modes
from conversations.models import AiMode, Conversation, Message

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Unanswered:
    conversation: Conversation
    reply: Message  # the AI's reply to the question
    guest_messages: tuple[Message, ...]  # what the guest wrote, as written
    question: str  # the same, cleaned as retrieval read it (its embedding is retrieval's)
    language: str
    reason: str  # no_hits | low_confidence | handoff | grounded (see reason_for)
    confidence: float
    at: dt.datetime
    found: tuple[str, ...] = ()  # the title and text of each knowledge chunk the answer drew on


Recorder = Callable[[Unanswered], object]
Wants = Callable[[Unanswered], bool]
_recorders: list[tuple[Recorder, Wants | None]] = []


def register_recorder(recorder: Recorder, wants: Wants | None = None) -> None:
    """Called from an `AppConfig.ready`; registering the same function again replaces it.

    `wants`, if given, is asked first, outside any savepoint; it must not touch the database.
    """
    _recorders[:] = [(r, w) for r, w in _recorders if r is not recorder and r.__qualname__ != recorder.__qualname__]
    _recorders.append((recorder, wants))


def reason_for(*, mode: str, hits: int, confidence: float, handoff_trigger: str) -> str:
    """Why this turn may be unanswered, or "" when it is not a question the knowledge should have answered.

    "grounded": retrieval found something above its threshold; the recorder judges whether what it
    found is about the question at all (the similarity threshold alone lets unrelated chunks through).
    """
    if mode == AiMode.HANDOFF:
        return "handoff" if handoff_trigger == "low_confidence" else ""
    if mode != AiMode.CONCIERGE:
        return ""
    if hits == 0:
        return "no_hits"
    return "low_confidence" if confidence < modes.LOW_CONFIDENCE else "grounded"


def report(event: Unanswered) -> None:
    for recorder, wants in _recorders:
        try:
            if wants is not None and not wants(event):
                continue
            with transaction.atomic():
                recorder(event)
        except Exception:  # a gap must never cost the guest their answer
            log.exception("unanswered_recorder_failed", conversation=event.conversation.pk, reply=event.reply.pk)
