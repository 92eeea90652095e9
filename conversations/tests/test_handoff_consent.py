"""Consent-first lead handover through the engine: only a recorded YES hands a lead to staff; a NO is respected."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from conversations import engine
from conversations.models import AiMode, ConversationStatus, Handoff, MessageRole
from leads import turn as lead_turn
from leads.models import ConsentStatus, Lead
from leads.services.consent import NO_ID, YES_ID
from testsupport.inbound import say, web_conversation

pytestmark = pytest.mark.django_db

BOOKING = (
    "Hi, I'd like to book the Deluxe King Room from 12 December 2026 for 3 nights, 2 adults. "
    "My name is Aisha Rahman, phone +60123456789."
)
BOOKING_MS = (
    "Saya nak tempah bilik Deluxe King pada 12 Disember 2026 untuk 3 malam, 2 dewasa. "
    "Nama saya Aisha Rahman, telefon 0123456789."
)


def asked_for_consent(conversation, text: str = BOOKING):
    reply = say(conversation, text, 1)
    assert reply.metadata["mode"] == AiMode.LEAD_CAPTURE
    assert reply.metadata["consent"]["step"] == "consent", reply.content
    assert [b["id"] for b in reply.metadata["buttons"]] == [YES_ID, NO_ID]  # WhatsApp reply buttons
    lead = Lead.objects.get(pk=reply.metadata["consent"]["lead_id"])
    assert lead.consent_status == ConsentStatus.ASKED and lead.handed_over_at is None
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.ACTIVE  # nothing reaches staff before the answer
    return reply, lead


def test_a_qualified_lead_is_summarised_and_handed_to_staff_only_after_yes(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation = web_conversation()
        reply, lead = asked_for_consent(conversation)
        assert "Aisha Rahman" in reply.content and "reply YES or NO" in reply.content

        answer = say(conversation, "yes please", 2)
        lead.refresh_from_db()
        assert lead.consent_status == ConsentStatus.GIVEN and lead.handed_over_at is not None
        assert answer.content == lead_turn.THANKS["en"] and answer.metadata["consent"]["step"] == "given"
        conversation.refresh_from_db()
        assert conversation.status == ConversationStatus.HANDED_OFF
        episode = Handoff.objects.get(conversation=conversation)
        assert episode.trigger == "lead_consent" and episode.context["lead"]["id"] == lead.pk
        assert episode.context["lead"]["consent_status"] == ConsentStatus.GIVEN


def test_a_yes_while_the_team_is_off_duty_is_told_when_they_will_call(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation = web_conversation()
        asked_for_consent(conversation, BOOKING_MS)
        kb_a.a.operating_hours = {"wed": [["14:00", "18:00"]]}  # only Wednesday afternoons
        kb_a.a.save(update_fields=["operating_hours"])
        message, _ = engine.record_guest_message(conversation, "ya", provider_message_id=f"{conversation.pk}:2")
        tuesday_night = dt.datetime(2026, 11, 23, 16, 30, tzinfo=dt.UTC)  # Tuesday 00:30 in Kuala Lumpur
        answer = engine.run_turn(conversation.pk, message.pk, now=tuesday_night)
        assert answer.content.startswith("Terima kasih! Butiran anda telah diserahkan"), answer.content
        # The real opening, Wednesday 14:00 ("tomorrow" from Tuesday), not a promise of the morning.
        assert "menghubungi anda esok dari pukul 2:00 petang (pasukan kami di luar" in answer.content, answer.content
        assert "tidak lama lagi" not in answer.content
        assert answer.metadata["consent"]["step"] == "given"


def test_a_no_is_recorded_and_respected_and_nothing_reaches_staff(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation = web_conversation()
        _, lead = asked_for_consent(conversation, BOOKING_MS)
        answer = say(conversation, "tak nak, terima kasih", 2)
        lead.refresh_from_db()
        assert lead.consent_status == ConsentStatus.DECLINED and lead.handed_over_at is None
        assert answer.content == lead_turn.RESPECTED["ms"]
        conversation.refresh_from_db()
        assert conversation.status == ConversationStatus.ACTIVE and not Handoff.objects.filter(
            conversation=conversation
        )

        # Giving more booking details later never asks again nor hands the lead over.
        later = say(conversation, "Actually make it 4 nights from 12 December 2026", 3)
        assert later.metadata.get("consent", {}).get("step") != "consent"
        lead.refresh_from_db()
        assert lead.consent_status == ConsentStatus.DECLINED and lead.handed_over_at is None


def test_an_unclear_reply_records_nothing_and_the_question_is_asked_again(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation = web_conversation()
        _, lead = asked_for_consent(conversation)
        answer = say(conversation, "What time is breakfast served?", 2)
        assert "6:30 am to 10:30 am" in answer.content and "reply YES or NO" in answer.content
        lead.refresh_from_db()
        assert lead.consent_status == ConsentStatus.ASKED and lead.handed_over_at is None

        # The WhatsApp button id is an answer too.
        say(conversation, YES_ID, 3)
        lead.refresh_from_db()
        assert lead.consent_status == ConsentStatus.GIVEN and lead.handed_over_at is not None


def test_a_lead_missing_details_gets_the_next_question_not_the_consent_request(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation = web_conversation()
        reply = say(conversation, "Do you have rooms available next month?", 1)
        assert reply.metadata["mode"] == AiMode.LEAD_CAPTURE
        if "consent" in reply.metadata:
            assert reply.metadata["consent"]["step"] == "question"
            assert "buttons" not in reply.metadata
        assert not Lead.objects.filter(consent_status__in=[ConsentStatus.ASKED, ConsentStatus.GIVEN])
        assert not conversation.messages.filter(role=MessageRole.SYSTEM)


def test_a_no_that_corrects_the_summary_shows_it_again_and_a_yes_then_hands_it_over(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation = web_conversation()
        _, lead = asked_for_consent(conversation)

        # "No" with the right detail: the summary was wrong, not the handover refused.
        again = say(conversation, "no, it's 4 nights", 2)
        lead.refresh_from_db()
        assert lead.nights == 4 and lead.consent_status == ConsentStatus.ASKED and lead.handed_over_at is None
        assert again.metadata["consent"]["step"] == "consent" and "(4 nights)" in again.content

        say(conversation, "yes", 3)
        lead.refresh_from_db()
        assert lead.consent_status == ConsentStatus.GIVEN and lead.handed_over_at is not None


def test_a_bare_no_invites_a_correction_and_the_corrected_summary_is_asked_again(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation = web_conversation()
        _, lead = asked_for_consent(conversation, BOOKING_MS)
        answer = say(conversation, "tidak", 2)
        assert Lead.objects.filter(pk=lead.pk, consent_status=ConsentStatus.DECLINED, handed_over_at=None).exists()
        assert answer.content.startswith(lead_turn.RESPECTED["ms"]) and lead_turn.CORRECT_IT["ms"] in answer.content

        again = say(conversation, "tarikh salah, 14hb bukan 12hb", 3)
        lead.refresh_from_db()
        assert lead.check_in.day == 14 and lead.consent_status == ConsentStatus.ASKED
        assert again.metadata["consent"]["step"] == "consent" and "14 Dis 2026" in again.content

        # Anything but a correction after the bare NO leaves the NO standing.
        say(conversation, "tidak", 4)
        later = say(conversation, "what time is breakfast?", 5)
        lead.refresh_from_db()
        assert lead.consent_status == ConsentStatus.DECLINED and later.metadata.get("consent", {}).get("step") is None


def test_a_no_after_the_summary_is_never_taken_for_the_name_asked_before_it(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation = web_conversation()
        say(conversation, "Deluxe King Room from 12 December 2026 for 3 nights, 2 adults, phone 012-345 6789", 1)
        asked = say(conversation, "Aisha Rahman", 2)  # the name was the last question before the summary
        assert asked.metadata["consent"]["step"] == "consent"
        again = say(conversation, "bukan, nak 4 malam", 3)
        lead = Lead.objects.get(pk=asked.metadata["consent"]["lead_id"])
        assert lead.guest_name == "Aisha Rahman" and lead.nights == 4, again.content
