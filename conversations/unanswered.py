"""The seam through which the engine reports a turn it could not answer (the gaps app listens).

After a turn's reply is stored, the engine calls `report` when retrieval found nothing relevant, the
answer's confidence was low, or the guest was handed to staff because the assistant could not answer
(the low-confidence handoff). An app above conversations (gaps) registers its recorder in its
`AppConfig.ready`, so the engine never imports it. Small talk and booking turns are not reported:
lead capture belongs to the lead step, and a request for a person or a complaint is no knowledge gap.

A recorder runs inside the reply's transaction, under a savepoint: a failure is logged and never
costs the guest their answer.
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
    reason: str  # no_hits | low_confidence | handoff
    confidence: float
    at: dt.datetime


Recorder = Callable[[Unanswered], object]
_recorders: list[Recorder] = []


def register_recorder(recorder: Recorder) -> None:
    """Called from an `AppConfig.ready`; registering the same function again replaces it."""
    _recorders[:] = [r for r in _recorders if r is not recorder and r.__qualname__ != recorder.__qualname__]
    _recorders.append(recorder)


def reason_for(*, mode: str, hits: int, confidence: float, handoff_trigger: str) -> str:
    """Why this turn counts as unanswered, or "" when it does not."""
    if mode == AiMode.HANDOFF:
        return "handoff" if handoff_trigger == "low_confidence" else ""
    if mode != AiMode.CONCIERGE:
        return ""
    if hits == 0:
        return "no_hits"
    return "low_confidence" if confidence < modes.LOW_CONFIDENCE else ""


def report(event: Unanswered) -> None:
    for recorder in _recorders:
        try:
            with transaction.atomic():
                recorder(event)
        except Exception:  # a gap must never cost the guest their answer
            log.exception("unanswered_recorder_failed", conversation=event.conversation.pk, reply=event.reply.pk)
