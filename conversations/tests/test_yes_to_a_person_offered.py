"""A yes to the person we offered, and a guest's own "bila …?" after our date question (issue 15, t42d).

"I don't have confirmed information about that … Would you like me to connect you with a member of staff?" answered
"boleh", "yes please" or "ok sure" is a request for a person, as surely as "can I talk to someone": the conversation
goes to the team, and an enquiry with a way to reach the guest goes with it (without one, the request stands until the
contact comes). "tak apa" or "ok thanks" declines; a question is a question.

Every message here was written for these tests; none is taken from a dialogue set.
"""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from assistant import modes
from assistant.providers.offline import TEMPLATES
from conversations import engine, turn_steps
from conversations.models import AiMode, Conversation
from testsupport.inbound import say

from .test_engine import start

pytestmark = pytest.mark.django_db

OFFERED = {
    "en": [{"role": "ai", "content": TEMPLATES["en"]["unknown"]}],
    "ms": [{"role": "ai", "content": TEMPLATES["ms"]["unknown"]}],
}


@pytest.mark.parametrize(
    ("text", "language"),
    [("boleh", "ms"), ("ya boleh", "ms"), ("ok boleh je", "ms"), ("yes please", "en"), ("ok sure", "en"), ("ok", "en")],
)
def test_a_yes_to_our_offer_of_a_person_asks_for_one(text, language) -> None:
    assert modes.takes_up_offer_of_person(text, OFFERED[language])
    assert modes.select_mode(text, current_mode=AiMode.CONCIERGE, low_confidence_streak=0, history=OFFERED[language])


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("tak apa, terima kasih", "ms"),
        ("ok thanks", "en"),
        ("no thanks", "en"),
        ("boleh bawa kucing?", "ms"),
        ("boleh saya tanya pasal parking", "ms"),
    ],
)
def test_a_no_or_a_question_after_the_offer_asks_for_nobody(text, language) -> None:
    assert not modes.takes_up_offer_of_person(text, OFFERED[language])


def test_a_yes_to_another_question_of_ours_asks_for_nobody() -> None:
    asked = [{"role": "ai", "content": "Thank you.\n\nHow many nights will you stay?"}]
    assert not modes.takes_up_offer_of_person("ok", asked)
    assert not modes.takes_up_offer_of_person("boleh", [])


def _booking(world, first: str) -> Conversation:
    conversation, message = start(world, first)
    engine.run_turn(conversation.pk, message.pk)
    return conversation


def _handed_over(conversation: Conversation) -> bool:
    return bool((turn_steps.handoff_summary(conversation, "ms") or {}).get("handed_over"))


@pytest.mark.parametrize(("said", "handed"), [("boleh", True), ("tak apa, terima kasih", False)])
def test_a_yes_to_the_offer_hands_the_enquiry_with_its_contact_to_the_team(kb_a, open_all_day, said, handed) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation = _booking(kb_a, "Nak tempah family suite 3hb-5hb Jun 2027 untuk 2 dewasa, no tel 012-313 4141")
        offer = say(conversation, "ada servis urut dalam bilik tak?", "2")
        assert offer.content.endswith(TEMPLATES["ms"]["unknown"].rsplit(". ", 1)[-1]), offer.content
        reply = say(conversation, said, "3")
        assert (reply.metadata["mode"] == AiMode.HANDOFF) is handed, reply.content
        assert _handed_over(conversation) is handed  # "tak apa" goes on with the booking


def test_boleh_to_the_offer_without_a_contact_hands_over_when_the_number_comes(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation = _booking(kb_a, "Nak tempah deluxe king 2 malam dari 8hb Mac 2027, 2 org")
        say(conversation, "ada servis urut dalam bilik tak?", "2")
        reply = say(conversation, "boleh", "3")
        assert reply.metadata["mode"] == AiMode.HANDOFF, reply.content
        assert not _handed_over(conversation)  # nobody could call back yet
        say(conversation, "013-606 1212", "4")
        assert _handed_over(conversation)


def test_a_bila_question_after_our_date_question_is_answered_and_its_date_read(kb_a, open_all_day) -> None:
    """Our "Tarikh daftar masuk …?" then the guest's own "bila boleh check in?" with their date: both taken (t42d)."""
    with schema_context(kb_a.a.schema_name):
        conversation = _booking(kb_a, "Nak tempah deluxe king untuk 2 orang")
        reply = say(conversation, "bila boleh check in? kami sampai 5hb Jan 2027 pukul 11 pagi", "2")
        assert "3:00 pm" in reply.content, reply.content  # the hotel's check-in time, answered
        assert "Tarikh" not in reply.content.split("\n")[-1], reply.content  # the date is not asked again


def test_a_childs_sister_joining_after_the_summary_is_a_detail_not_a_question(kb_a, open_all_day) -> None:
    """ "adik perempuan dia pun join sekali" after "anak lelaki saya ikut" and our summary: one more child, the summary
    again, never "I don't have confirmed information" (t42d)."""
    with schema_context(kb_a.a.schema_name):
        conversation = _booking(kb_a, "Salam, nak Deluxe King Room 2 dewasa 6hb-8hb Mac 2027, no tel 012-313 4141")
        say(conversation, "anak lelaki saya ikut", "2")
        reply = say(conversation, "adik perempuan dia pun join sekali", "3")
        assert "tiada maklumat" not in reply.content, reply.content
        assert "2 kanak-kanak" in reply.content, reply.content
