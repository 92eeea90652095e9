"""A guest handed to the team hears one coherent message: in hours, the team replies as soon as it can; after hours,
it is offline and replies at the property's real next opening ("at 9:00 am today", "on Monday from 9:00 am"), and
what the guest adds meanwhile waits for it. Never
"as soon as they can" beside "offline", never the promise twice (English and Malay, the widget and WhatsApp)."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from conversations import engine, handoff
from conversations.handoff.service import FULL_HISTORY, MEANWHILE, REPLY_WHEN
from conversations.models import AiMode, Conversation, Handoff
from testsupport.inbound import whatsapp_text

pytestmark = pytest.mark.django_db

# Property A keeps the default hours, 09:00-18:00 in Kuala Lumpur, every day.
NIGHT = dt.datetime(2026, 11, 23, 16, 30, tzinfo=dt.UTC)  # 00:30 local
DAY = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)  # 11:00 local
ASK = {"en": "I want to speak to a real person please", "ms": "Saya nak cakap dengan staf, boleh?"}
OFFLINE = {"en": "offline", "ms": "di luar waktu operasi"}
SOON = {"en": "as soon as they can", "ms": "secepat mungkin"}
REPLY_VERB = {"en": "will reply here", "ms": "akan membalas di sini"}
# NIGHT is Monday 00:30 in Kuala Lumpur: the desk opens at 9:00 the same day.
BACK = {"en": "at 9:00 am today", "ms": "pada pukul 9:00 pagi ini"}


def _conversation(channel: str, language: str) -> tuple[Conversation, int]:
    if channel == "web":
        conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.", language=language)
        message, _ = engine.record_guest_message(conversation, ASK[language], provider_message_id=f"{channel}:1")
        return conversation, message.pk
    conversation, message, _ = engine.ingest(
        whatsapp_text(f"60123{language}77", ASK[language], number="100200300", wamid=f"wamid.{language}.1")
    )
    return conversation, message.pk


@pytest.mark.parametrize("channel", ["web", "whatsapp"])
@pytest.mark.parametrize("language", ["en", "ms"])
@pytest.mark.parametrize("after_hours", [False, True], ids=["in_hours", "after_hours"])
def test_the_handoff_is_one_message_that_says_when_the_team_replies(
    kb_a, channel: str, language: str, after_hours: bool
) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, message_id = _conversation(channel, language)
        reply = engine.run_turn(conversation.pk, message_id, now=NIGHT if after_hours else DAY)
        text = reply.content
        assert reply.metadata["mode"] == AiMode.HANDOFF and reply.metadata["language"] == language, text
        assert Handoff.objects.filter(conversation=conversation).count() == 1
        assert "\n" not in text, text  # one paragraph, not a handoff, a notice and another handoff
        assert text.endswith(handoff.handoff_note(language, back=BACK[language] if after_hours else None)), text
        assert FULL_HISTORY[language] in text
        if after_hours:
            assert f"{REPLY_VERB[language]} {BACK[language]}." in text and OFFLINE[language] in text, text
            assert SOON[language] not in text and "morning" not in text and "seawal" not in text, text
            assert engine.AFTER_HOURS_NOTE[language].partition("{back}")[0] not in text, text
            assert MEANWHILE[language] in text
        else:
            assert SOON[language] in text and OFFLINE[language] not in text and BACK[language] not in text, text
        assert text.count(FULL_HISTORY[language]) == 1 and text.count(REPLY_VERB[language]) == 1, text


def test_a_guest_writing_again_while_waiting_after_hours_hears_when_once_more(kb_a) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, message_id = _conversation("web", "en")
        engine.run_turn(conversation.pk, message_id, now=NIGHT)
        again, _ = engine.record_guest_message(conversation, "Hello?? anyone there?", provider_message_id="web:2")
        text = engine.run_turn(conversation.pk, again.pk, now=NIGHT).content
        assert text.endswith(REPLY_WHEN["en"]["closed"].format(back=BACK["en"])) and "\n" not in text, text
        assert text.endswith("will reply here at 9:00 am today."), text
        assert FULL_HISTORY["en"] not in text and SOON["en"] not in text, text


@pytest.mark.parametrize("language", ["en", "ms"])
def test_a_whatsapp_handoff_on_a_closed_weekend_says_monday(kb_a, language: str) -> None:
    """The front office is closed at weekends: on Saturday night the guest hears Monday's opening, not "the morning"."""
    kb_a.a.operating_hours = {**kb_a.a.operating_hours, "sat": [], "sun": []}
    kb_a.a.save()
    saturday_night = dt.datetime(2026, 11, 28, 14, 0, tzinfo=dt.UTC)  # 22:00 in Kuala Lumpur
    monday = {"en": "on Monday from 9:00 am", "ms": "pada hari Isnin dari pukul 9:00 pagi"}
    with schema_context(kb_a.a.schema_name):
        conversation, message_id = _conversation("whatsapp", language)
        text = engine.run_turn(conversation.pk, message_id, now=saturday_night).content
        assert f"{REPLY_VERB[language]} {monday[language]}." in text and OFFLINE[language] in text, text
        assert MEANWHILE[language] in text and SOON[language] not in text, text
