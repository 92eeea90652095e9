"""What comes with the guest's YES reaches the team, and short replies are answered in the guest's language (issue 15,
t39d): "ok, Wei Jie" to the summary hands over a lead that holds the name; "ok lah" keeps an English chat English
and "nak tempah" turns one Malay. The messages were written for these tests."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from assistant.language import detect_language
from conversations.tests.test_lead_dialogue import lead_of
from leads.models import ConsentStatus, Lead
from testsupport.inbound import say, web_conversation

pytestmark = pytest.mark.django_db


def _handed_over_after(second: str, yes: str) -> Lead:
    """A room enquiry with the phone, then `second` (the summary and the YES/NO follow it), then `yes`: the lead."""
    conversation = web_conversation()
    say(conversation, "Deluxe King Room for 2 adults, 10 to 12 Aug 2027, my number is 012-345 6789", 1)
    summary = say(conversation, second, 2)
    assert summary.metadata["consent"]["step"] == "consent", summary.content
    say(conversation, yes, 3)
    lead = lead_of(conversation)
    assert lead.consent_status == ConsentStatus.GIVEN and lead.handed_over_at is not None
    return lead


@pytest.mark.parametrize("yes", ["ok, Wei Jie", "ok thanks ya, my name Wei Jie"])
def test_a_yes_that_gives_the_name_hands_over_a_lead_holding_it(kb_a, open_all_day, yes) -> None:
    with schema_context(kb_a.a.schema_name):
        # The name asked for and passed over with a question.
        assert _handed_over_after("is parking free ah?", yes).guest_name == "Wei Jie"


@pytest.mark.parametrize("yes", ["Yes, Go Ahead", "Sounds Good!", "Ok Boleh"])
def test_a_yes_said_in_capitalised_words_is_no_name(kb_a, open_all_day, yes) -> None:
    """The words of the YES itself never replace the name the guest gave ("Go Ahead" is no guest)."""
    with schema_context(kb_a.a.schema_name):
        assert _handed_over_after("Nurul Huda", yes).guest_name == "Nurul Huda"


def test_a_particle_after_ok_keeps_an_english_chat_english(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation = web_conversation()
        say(conversation, "Do you have parking?", 1)
        reply = say(conversation, "ok lah", 2)
        assert detect_language(reply.content) == "en", reply.content


def test_a_short_malay_request_is_answered_in_malay(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation = web_conversation()  # the widget opened in English
        reply = say(conversation, "nak tempah", 1)
        assert detect_language(reply.content) == "ms", reply.content
