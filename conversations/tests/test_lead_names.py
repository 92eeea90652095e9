"""The guest's name through the engine (issue 15, t15d4): a name said after an apology or an interjection is the
name, never the apology; a name corrected while the YES/NO waits shows the corrected summary and its question
again (not "I don't have confirmed information"); a "tq" after the handover changes nothing."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from conversations.dialogues import ASKS, DISMISSIVE
from conversations.tests.test_lead_dialogue import lead_of
from leads.models import ConsentStatus
from testsupport.inbound import say, web_conversation

pytestmark = pytest.mark.django_db
NAME_QUESTION = ASKS["name"][0]


@pytest.mark.parametrize(
    ("texts", "name"),
    [
        # The name question answered after an interjection; a "tq" after the handover changes nothing.
        (["Deluxe king 2 adults, 4 to 6 Feb 2027", "017-404 1212", "eh, Shafiq", "yes", "tq"], "Shafiq"),
        # The name corrected while the YES/NO waits: the corrected summary and its question, not "no information".
        (
            ["Nak tempah family suite 9 Mac 2027, 2 malam, 2 dewasa", "018-220 3030, nama saya Roslan",
             "silap, Roslan bin Ahmad", "ya"],
            "Roslan bin Ahmad",
        ),
    ],
)  # fmt: skip
def test_the_name_said_around_chatter_or_corrected_is_in_the_summary_and_the_lead(kb_a, open_all_day, texts, name):
    with schema_context(kb_a.a.schema_name):
        conversation = web_conversation()
        replies = [say(conversation, text, n) for n, text in enumerate(texts, start=1)]
        summary = replies[2].content
        assert replies[2].metadata["consent"]["step"] == "consent" and name in summary, summary
        assert not NAME_QUESTION.search(summary) and not DISMISSIVE.search(summary), summary
        lead = lead_of(conversation)
        assert (lead.guest_name, lead.consent_status) == (name, ConsentStatus.GIVEN)
