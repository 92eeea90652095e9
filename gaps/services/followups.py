"""Telling the guests who were waiting: the gap's answer, once per guest, in their language, on their channel.

Each guest behind an answered gap whose conversation is still open can be sent the answer as a
message in that conversation, through the same path as a staff reply (`record_staff_message`): the
widget gets it on the guest's socket, WhatsApp and e-mail get an outbox row that commits with it
(WhatsApp outside the 24-hour window goes out as the approved re-engagement template, or staff are
told). `GapFollowUp` is unique per gap and guest, so a second click, or two managers at once, send
nothing more. Every follow-up is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from conversations.handoff.service import record_staff_message
from conversations.models import OPEN_STATUSES, Conversation, Message
from core import audit
from core.languages import spoken
from gaps.models import Gap, GapFollowUp, GapQuestion, GapStatus
from gaps.services.inbox import GapError, gap_for

_TEXT = {
    "en": "Earlier you asked: “{question}”. We now have the answer: {answer}",
    "ms": "Sebelum ini anda bertanya: “{question}”. Ini jawapannya: {answer}",
}


@dataclass(frozen=True)
class Waiting:
    """One guest behind the gap: their latest question and open conversation, and whether they were told."""

    guest_id: int
    conversation: Conversation
    question: str
    language: str
    followed_up: bool


def waiting_guests(gap: Gap) -> list[Waiting]:
    """Per guest, the most recent question of theirs in the gap whose conversation is still open."""
    told = set(gap.follow_ups.values_list("guest_id", flat=True))
    latest: dict[int, GapQuestion] = {}
    questions = (
        gap.questions.select_related("conversation__guest")
        .filter(conversation__status__in=OPEN_STATUSES)
        .order_by("asked_at", "id")
    )
    for question in questions:
        latest[question.conversation.guest_id] = question
    return [
        Waiting(
            guest_id,
            q.conversation,
            q.text,
            spoken(q.language),  # the language they asked in
            guest_id in told,
        )
        for guest_id, q in latest.items()
    ]


def follow_up_text(gap: Gap, question: str, language: str) -> str:
    answer = gap.answer_ms if language == "ms" and gap.answer_ms else gap.answer_en
    short = " ".join(question.split())
    short = short if len(short) <= 160 else short[:157] + "…"
    return _TEXT[language].format(question=short, answer=answer)


@dataclass
class FollowUpResult:
    sent: list[int] = field(default_factory=list)  # conversation ids sent to now
    already: list[int] = field(default_factory=list)  # told before: nothing sent
    skipped: list[int] = field(default_factory=list)  # not behind this gap, or no longer open


def send_follow_ups(gap_id: int, *, user: Any, conversation_ids: list[int] | None = None) -> FollowUpResult:
    """Send the answer to every waiting guest (or those of `conversation_ids`), at most once each."""
    gap = gap_for(gap_id)
    if gap.status != GapStatus.ANSWERED or not gap.answer_en:
        raise GapError("Only an answered gap has an answer to send.", status=409)
    result = FollowUpResult()
    waiting = {w.conversation.pk: w for w in waiting_guests(gap)}
    wanted = list(waiting) if conversation_ids is None else list(dict.fromkeys(conversation_ids))
    for conversation_id in wanted:
        person = waiting.get(conversation_id)
        if person is None:
            result.skipped.append(conversation_id)
        elif person.followed_up or not _send_once(gap, person, user):
            result.already.append(conversation_id)
        else:
            result.sent.append(conversation_id)
    return result


def _send_once(gap: Gap, person: Waiting, user: Any) -> bool:
    """One guest's follow-up; False when they had it already.

    The follow-up row is inserted first: its unique (gap, guest) key claims the guest before anything is
    sent, so of two clicks racing, one sends and the other rolls back.
    """
    try:
        with transaction.atomic():
            follow_up = GapFollowUp.objects.create(
                gap=gap,
                guest_id=person.guest_id,
                conversation=person.conversation,
                sent_by_user_id=getattr(user, "pk", None),
            )
            text = follow_up_text(gap, person.question, person.language)
            message = record_staff_message(person.conversation, text, user_id=getattr(user, "pk", None))
            Message.objects.filter(pk=message.pk).update(metadata={"gap_follow_up": gap.pk})
            GapFollowUp.objects.filter(pk=follow_up.pk).update(message=message)
            audit.record(
                audit.AuditAction.GAP_FOLLOW_UP,
                actor=user,
                target_type="conversation",
                target_id=str(person.conversation.pk),
                details={"gap": gap.pk, "message": message.pk, "language": person.language},
            )
    except IntegrityError:
        return False
    return True
