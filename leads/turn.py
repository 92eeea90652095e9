"""The lead step of a guest turn: consent-first lead capture, registered with the engine in `LeadsConfig.ready`.

At the moments the engine offers every step (`conversations.turn_steps`):
- before the answer: when the conversation's lead waits for the guest's YES/NO, the guest's message
  (or WhatsApp button id) is read with the consent reader. YES is recorded, the lead is handed over
  and the conversation handed to staff; NO is recorded and respected (the AI carries on, nothing is
  passed on); an unclear reply is answered normally and asked again.
- after an answer in lead capture: the lead is extracted and scored; while it is not qualified the
  AI asks for the first missing detail; once qualified it summarises and asks consent. After any
  other answer, a consent question still waiting is asked again.
- remember: what the guest has told us towards a booking so far (the partial lead) is kept in the
  session's lead state for the next turn.
- summary_for: the lead as staff see it when the conversation is handed to them.

Only a recorded YES ever hands a lead over (`leads.services.leads.mark_handed_over` refuses otherwise,
and a database constraint backs it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import structlog

from conversations.models import AiMode, Conversation, MessageRole
from conversations.turn_steps import Answered, StepFollowUp, StepReply, Turn, register_turn_step
from leads.models import ConsentStatus
from leads.services.consent import consent_question, consent_request, next_question, record_consent_reply, summary
from leads.services.extraction import GuestText, extract
from leads.services.leads import (
    lead_for_conversation,
    mark_consent_asked,
    mark_handed_over,
    upsert_lead_for_conversation,
)
from leads.services.schema import ExtractionContext
from properties.models import Property

log = structlog.get_logger(__name__)

THANKS = {
    "en": "Thank you! I've passed your details to our reservations team; a member of the team will contact you "
    "shortly and will see this whole conversation.",
    "ms": "Terima kasih! Butiran anda telah diserahkan kepada pasukan tempahan kami; mereka akan menghubungi anda "
    "tidak lama lagi dan dapat melihat keseluruhan perbualan ini.",
}
RESPECTED = {
    "en": "No problem — I won't pass your details on. I'm still here if you have any other questions.",
    "ms": "Tiada masalah — saya tidak akan menyerahkan butiran anda. Saya masih di sini jika ada soalan lain.",
}


def _lang(language: str) -> str:
    return "ms" if language == "ms" else "en"


@dataclass
class ConsentAnswer:
    """The turn's reply when the guest answered the consent question (no model call needed)."""

    text: str
    mode: str
    given: bool
    lead_id: int


@dataclass
class FollowUp:
    """What the AI adds to its answer in lead capture: a missing detail to ask for, or the consent request."""

    text: str
    kind: str  # question | consent
    lead_id: int
    buttons: list[dict[str, str]] = field(default_factory=list)


def read_reply(conversation: Conversation, text: str, language: str) -> ConsentAnswer | None:
    lead = lead_for_conversation(conversation.pk)
    if lead is None or lead.consent_status != ConsentStatus.ASKED or not lead.is_open:
        return None
    answer = record_consent_reply(lead.pk, text)
    if answer is None:
        return None
    lang = _lang(language)
    if answer:
        mark_handed_over(lead.pk)
        return ConsentAnswer(THANKS[lang], AiMode.HANDOFF, True, lead.pk)
    return ConsentAnswer(RESPECTED[lang], AiMode.CONCIERGE, False, lead.pk)


def pending_question(conversation: Conversation, language: str) -> str | None:
    """The consent question again, for a guest whose reply was neither YES nor NO."""
    lead = lead_for_conversation(conversation.pk)
    if lead is None or lead.consent_status != ConsentStatus.ASKED or not lead.is_open:
        return None
    return consent_question(language)


def follow_up(conversation: Conversation, language: str, now: dt.datetime | None = None) -> FollowUp | None:
    try:
        lead = upsert_lead_for_conversation(conversation, now=now)
    except Exception:  # a lead failure must never cost the guest their answer
        log.exception("lead_upsert_failed", conversation=conversation.pk)
        return None
    if lead is None or not lead.is_open or lead.consent_status != ConsentStatus.NOT_ASKED:
        return None
    lang = _lang(language)
    if lead.is_qualified:
        request = consent_request(lead, lang)
        mark_consent_asked(lead.pk)
        return FollowUp(request["text"], "consent", lead.pk, request["buttons"])
    question = next_question(lead, lang)
    return FollowUp(question, "question", lead.pk) if question else None


def partial_lead(history: list[dict[str, str]], property_: Property, now: dt.datetime) -> dict[str, Any]:
    """What the guest has told us towards a booking so far (the offline extraction), for the session.

    Creating and scoring the Lead itself is `upsert_lead_for_conversation`'s job. A failure here must
    never cost the guest their answer.
    """
    texts = [GuestText(m["content"]) for m in history if m["role"] == MessageRole.GUEST]
    try:
        ctx = ExtractionContext(reference=now, timezone=property_.timezone, country=property_.country)
        fields = extract(texts, ctx).fields.model_dump(mode="json", exclude_none=True)
    except Exception:  # extraction is best effort on the answer path
        log.exception("partial_lead_failed")
        return {}
    return {k: v for k, v in fields.items() if v not in ("", "general")}


class LeadTurnStep:
    """The lead step as the engine calls it (see the module docstring)."""

    def before_answer(self, turn: Turn) -> StepReply | None:
        consent = read_reply(turn.conversation, turn.text, turn.language)
        if consent is None:
            return None
        step = "given" if consent.given else "declined"
        return StepReply(
            consent.text,
            consent.mode,
            metadata={"consent": {"lead_id": consent.lead_id, "step": step}},
            handoff_trigger="lead_consent",  # the thank-you says that the team takes over
            source="consent",
        )

    def after_answer(self, turn: Turn, answer: Answered) -> StepFollowUp | None:
        if answer.mode == AiMode.LEAD_CAPTURE:
            follow = follow_up(turn.conversation, answer.language, now=turn.now)
            if follow is None:
                return None
            metadata: dict[str, Any] = {"consent": {"lead_id": follow.lead_id, "step": follow.kind}}
            if follow.buttons:
                metadata["buttons"] = follow.buttons  # WhatsApp reply buttons; ids consent_yes / consent_no
            return StepFollowUp(follow.text, metadata)
        again = pending_question(turn.conversation, answer.language)
        return StepFollowUp(again, {"consent": {"step": "asked_again"}}) if again is not None else None

    def remember(self, turn: Turn, answer: Answered) -> None:
        # The session's lead state: the partial lead, once the guest has shown booking intent.
        if answer.mode == AiMode.LEAD_CAPTURE or turn.session.lead:
            turn.session.lead = partial_lead(turn.session.history, turn.property, turn.now)

    def summary_for(self, conversation: Conversation, language: str) -> dict[str, Any] | None:
        lead = lead_for_conversation(conversation.pk)
        if lead is None:
            return None
        return {
            "id": lead.pk,
            "intent": lead.intent,
            "status": lead.status,
            "score": lead.lead_score,
            "priority": lead.priority,
            "consent_status": lead.consent_status,
            "summary": summary(lead, language),
        }


def register() -> None:
    """The engine's one seam for the lead step of every guest turn (conversations never imports leads)."""
    register_turn_step(LeadTurnStep())
