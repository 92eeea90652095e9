"""The party through the engine (issue 15, t15d3): who is coming is read in any message, never asked for once said,
and an answer the lead step cannot read gets a narrower question rather than the same one again."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from conversations.dialogues import ASKS
from conversations.tests.test_lead_dialogue import lead_of
from leads.models import ConsentStatus
from testsupport.inbound import say, web_conversation

pytestmark = pytest.mark.django_db
PARTY_QUESTION = ASKS["party"][0]


def test_a_party_named_inside_a_question_is_read_and_never_asked_for(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation = web_conversation()
        replies = [
            say(conversation, "Is breakfast included? It'd be my parents and me, deluxe king 3 to 5 June 2027", 1),
            say(conversation, "Mei Chen, 016-404 5050", 2),
        ]
        assert not any(PARTY_QUESTION.search(reply.content) for reply in replies), [r.content for r in replies]
        lead = lead_of(conversation)
        assert (lead.adults, lead.consent_status) == (3, ConsentStatus.ASKED)


def test_an_answer_the_step_cannot_read_gets_a_narrower_question_once(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation = web_conversation()
        asked = say(conversation, "Could I book the deluxe king for 2 nights from 8 August 2027?", 1)
        assert asked.metadata["consent"]["asks"] == "adults"
        narrower = say(conversation, "the same crowd as last year", 2)
        assert narrower.metadata["consent"]["asks"] == "party_count"
        assert not PARTY_QUESTION.search(narrower.content) and not narrower.content.startswith("Thank you")
        after = say(conversation, "4", 3)  # a bare number answers the narrower question
        assert after.metadata["consent"]["asks"] == "phone_or_email"
        assert lead_of(conversation).adults == 4
        # In Malay too, and a guest who does not know yet is not asked again.
        malay = web_conversation()
        say(malay, "nak tempah deluxe king 8hb Ogos 2027, 2 malam", 1)
        assert say(malay, "macam biasa", 2).metadata["consent"]["asks"] == "party_count"
        unsure = web_conversation()
        say(unsure, "Could I book the deluxe king for 2 nights from 8 August 2027?", 1)
        assert say(unsure, "not sure yet", 2).metadata["consent"]["asks"] == "phone_or_email"


def test_children_left_uncounted_are_asked_for_once_and_never_before_the_summary(kb_a, open_all_day) -> None:
    with schema_context(kb_a.a.schema_name):
        family = web_conversation()
        split = say(family, "We're a family of 5, family suite from 8 August 2027 for 2 nights", 1)
        assert split.metadata["consent"]["asks"] == "children" and "Of the 5 of you" in split.content
        say(family, "3", 2)
        lead = lead_of(family)
        assert (lead.adults, lead.children) == (2, 3)
        # Everything else known: the summary and the YES/NO, the team confirms the children.
        ready = web_conversation()
        summary = say(ready, "Me, my wife and the kids, family suite 8 to 10 Aug 2027. I am Lim Wei, 012-909 3030", 1)
        assert summary.metadata["consent"]["step"] == "consent", summary.content
        assert lead_of(ready).adults == 2
