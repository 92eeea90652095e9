"""The lead side of a guest conversation through the engine (issue 15): what the guest reported going wrong."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from conversations import engine, sessions
from conversations.dialogues import DISMISSIVE
from conversations.models import AiMode, GuestIdentity, Handoff
from leads.models import ConsentStatus, Lead
from leads.services.leads import LeadError, mark_handed_over, record_consent
from testsupport.inbound import say, web_conversation, whatsapp_text

pytestmark = pytest.mark.django_db


def lead_of(conversation) -> Lead:
    return Lead.objects.get(conversation_links__conversation=conversation)


def test_details_given_late_and_corrected_fill_the_lead_one_question_at_a_time(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation = web_conversation()
        asked = [
            say(conversation, text, n).metadata.get("consent", {}).get("asks")
            for n, text in enumerate(["I'd like to book a room", "2027-06-20", "2 nights", "make that 3 nights"])
        ]
        assert asked[:3] == ["check_in", "nights", "adults"]
        lead = lead_of(conversation)
        assert (lead.check_in, lead.nights, lead.check_out) == (dt.date(2027, 6, 20), 3, dt.date(2027, 6, 23))
        # The dialogue state travels with the session (written through to PostgreSQL).
        state = sessions.load(conversation).lead
        assert state["slots"]["nights"] == 3 and state["asked"][-1] in ("adults", "room_type")


def test_a_name_and_number_after_the_question_are_thanked_and_kept_never_dismissed(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation = web_conversation()
        say(conversation, "Book the Family Suite from 20 to 23 June 2027 for 2 adults", 1)
        reply = say(conversation, "Aisha Rahman, 012-345 6789", 2)
        assert "don't have confirmed information" not in reply.content
        assert reply.content.startswith("Thank you, Aisha Rahman.")
        lead = lead_of(conversation)
        assert (lead.guest_name, lead.phone) == ("Aisha Rahman", "+60123456789")
        assert reply.metadata["consent"]["step"] == "consent"  # now, and only now, the summary and YES/NO
        assert "Contact: +60123456789" in reply.content and reply.content.count("?") == 1


def test_no_yes_no_and_no_handover_without_a_phone_or_an_email(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation = web_conversation()
        reply = say(conversation, "My name is Tom. Deluxe King Room, 2 adults, 20 to 23 June 2027.", 1)
        assert reply.metadata["consent"] == {"lead_id": lead_of(conversation).pk, "step": "question",
                                             "asks": "phone_or_email"}  # fmt: skip
        assert "Shall I pass" not in reply.content
        yes = say(conversation, "yes", 2)
        lead = lead_of(conversation)
        assert lead.consent_status == ConsentStatus.NOT_ASKED and lead.handed_over_at is None
        assert not Handoff.objects.filter(conversation=conversation).exists(), yes.content
        # The service refuses it too, whatever a caller tries.
        record_consent(lead.pk, given=True)
        with pytest.raises(LeadError, match="phone or e-mail"):
            mark_handed_over(lead.pk)


def test_call_me_on_a_number_is_a_contact_for_an_event_lead_not_a_request_for_a_person(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation = web_conversation()
        say(conversation, "We're planning a wedding for 300 guests on 14 November 2027", 1)
        reply = say(conversation, "call me on 019-876 5432", 2)
        assert reply.metadata["mode"] != AiMode.HANDOFF
        lead = lead_of(conversation)
        assert (lead.intent, lead.group_size, lead.event_date) == ("event", 300, dt.date(2027, 11, 14))
        assert lead.phone == "+60198765432"
        malay = web_conversation()
        say(malay, "Saya nak buat majlis perkahwinan untuk 500 tetamu pada 8 Mei 2027", 1)
        reply = say(malay, "hubungi saya di 017-234 5678", 2)
        assert reply.metadata["mode"] != AiMode.HANDOFF and reply.metadata["language"] == "ms"
        assert lead_of(malay).phone == "+60172345678"


def test_room_types_are_recognised_from_the_knowledge_base_rooms(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):  # no RoomRate rows: only the knowledge base's rooms
        conversation = web_conversation()
        say(conversation, "Can I book the accessible twin for 2 adults from 2 to 4 February 2027", 1)
        assert lead_of(conversation).room_type == "Accessible Twin Room"


def test_on_whatsapp_the_number_is_the_contact_and_the_consent_comes_as_buttons(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation, message, _ = engine.ingest(
            whatsapp_text(
                "+60191234567",
                "Hi, a Deluxe King Room for 2 adults on 9 May 2027, 2 nights",
                number="601",
                wamid="wamid.1",
                sender_name="Kevin Tan",
            )
        )
        assert GuestIdentity.objects.filter(guest=conversation.guest).exists()
        reply = engine.run_turn(conversation.pk, message.pk)
        assert reply.metadata["consent"]["step"] == "consent", reply.content
        assert [b["id"] for b in reply.metadata["buttons"]] == ["consent_yes", "consent_no"]
        lead = lead_of(conversation)
        assert (lead.phone, lead.guest_name) == ("+60191234567", "Kevin Tan")
        message, _ = engine.record_guest_message(conversation, "consent_yes", provider_message_id="wamid.2")
        engine.run_turn(conversation.pk, message.pk)
        lead.refresh_from_db()
        assert lead.handed_over_at is not None
        context = Handoff.objects.get(conversation=conversation).context["lead"]
        assert context["fields"]["phone"] == "+60191234567" and context["fields"]["check_in"] == "2027-05-09"


def test_a_message_that_gives_details_never_gets_the_no_information_reply(kb_a, open_all_day) -> None:
    # Details and a question nothing in the knowledge answers: the guest is taking the enquiry on; "I don't
    # have information about that" to their name and number is the dismissive reply the dialogue rule forbids.
    asked = {
        "I'm Daniel Wong, 012-333 4455. Is there a helicopter pad on the roof?": "+60123334455",
        "Nama saya Zainab, 013-444 5566. Ada tempat mendarat helikopter di bumbung?": "+60134445566",
    }
    with schema_context(kb_a.a.schema_name):
        for text, phone in asked.items():
            conversation = web_conversation()
            say(conversation, "Book the Family Suite from 20 to 23 June 2027 for 2 adults", 1)
            reply = say(conversation, text, 2)
            assert not DISMISSIVE.search(reply.content), reply.content
            assert lead_of(conversation).phone == phone


def test_a_question_mid_enquiry_gets_its_answer_then_the_missing_contact_once(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation = web_conversation()
        replies = [
            say(conversation, text, n)
            for n, text in enumerate(["Deluxe King Room for 2 adults, 18 to 20 Feb 2027", "How much is breakfast?"])
        ]
        assert replies[0].metadata["consent"]["asks"] == "phone_or_email"
        answered = replies[1].content
        assert "RM 65" in answered  # the answer first, then the enquiry goes on
        assert answered.rstrip().endswith("What phone number or e-mail can our team reach you on?")
        again = say(conversation, "Is there parking?", 3)
        assert "phone number" not in again.content  # asked again once, never a third time without new details
        assert "Shall I pass" not in again.content


@pytest.mark.parametrize(
    ("message", "name", "phone"),
    [
        ("Do Van Minh, +84 912 345 678", "Do Van Minh", "+84912345678"),  # a name opening with "Do" is no question
        ("Kevin Lim 65 9123 4567", "Kevin Lim", "+6591234567"),  # a country code without its "+"
        ("李明 +86 138 0013 8000", "李明", "+8613800138000"),
    ],
)
def test_a_name_and_a_number_from_abroad_mid_enquiry_are_the_contact(kb_a, open_all_day, message, name, phone) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation = web_conversation()
        say(conversation, "Family Suite for 2 adults, 3 to 5 March 2027", 1)
        reply = say(conversation, message, 2)
        assert not DISMISSIVE.search(reply.content)
        lead = lead_of(conversation)
        assert (lead.guest_name, lead.phone) == (name, phone)
