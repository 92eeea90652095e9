"""The engine's consent-first lead handover, in two moments of a guest turn.

- `read_reply` (before the AI answers): when the conversation's lead is waiting for the guest's YES/NO,
  the guest's message (or WhatsApp button id) is read with the leads app's consent reader. YES is
  recorded, the lead is handed over and the conversation handed to staff; NO is recorded and respected
  (the AI carries on, nothing is passed on); an unclear reply is answered normally and asked again.
- `follow_up` (after an answer in lead capture): the lead is extracted and scored; while it is not
  qualified the AI asks for the first missing detail; once qualified it summarises and asks consent.

Only a recorded YES ever hands a lead over (`leads.services.leads.mark_handed_over` refuses otherwise,
and a database constraint backs it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import structlog

from conversations.models import AiMode, Conversation

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
    from leads.models import ConsentStatus
    from leads.services.consent import record_consent_reply
    from leads.services.leads import lead_for_conversation

    lead = lead_for_conversation(conversation.pk)
    if lead is None or lead.consent_status != ConsentStatus.ASKED or not lead.is_open:
        return None
    answer = record_consent_reply(lead.pk, text)
    if answer is None:
        return None
    lang = _lang(language)
    if answer:
        from leads.services.leads import mark_handed_over

        mark_handed_over(lead.pk)
        return ConsentAnswer(THANKS[lang], AiMode.HANDOFF, True, lead.pk)
    return ConsentAnswer(RESPECTED[lang], AiMode.CONCIERGE, False, lead.pk)


def pending_question(conversation: Conversation, language: str) -> str | None:
    """The consent question again, for a guest whose reply was neither YES nor NO."""
    from leads.models import ConsentStatus
    from leads.services.consent import _CONSENT
    from leads.services.leads import lead_for_conversation

    lead = lead_for_conversation(conversation.pk)
    if lead is None or lead.consent_status != ConsentStatus.ASKED or not lead.is_open:
        return None
    return _CONSENT[_lang(language)][0]


def follow_up(conversation: Conversation, language: str, now: Any = None) -> FollowUp | None:
    from leads.models import ConsentStatus
    from leads.services.consent import consent_request, next_question
    from leads.services.leads import mark_consent_asked, upsert_lead_for_conversation

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
