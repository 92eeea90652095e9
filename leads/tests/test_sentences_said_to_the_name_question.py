"""A guest's reply to "May I have your name?" read as what it says (issue 15, t24d): a sentence about the party,
a question or a "not yet" is no name, and its details are read; a name that opens with initials is a name (those
replies are in the table of replies to the name question in test_names_said_around, the same test).

Every message here was written for these tests; none is taken from a dialogue set.
"""

from __future__ import annotations

import pytest

from leads.services.policy import CONTACT
from leads.tests.accuracy import fields  # 23 November 2026, Kuala Lumpur
from leads.turn import answer_hint


@pytest.mark.parametrize(
    "text",
    [
        "abang saya pun ikut",
        "nenek kami datang sekali",
        "why do you want that",
        "what is it for",
        "tunggu dulu",
        "my mum is coming too",
        "kawan dia join",
    ],
)
def test_a_sentence_in_reply_to_the_name_or_contact_question_is_no_name(text):
    assert answer_hint(text, "name") is None
    assert answer_hint(text, CONTACT) is None


def test_a_companion_said_the_message_after_the_guest_alone_joins_the_guest():
    # "saya sorang", then on its own line "abang saya pun ikut": the guest and a brother, not "one brother".
    assert fields("Deluxe King Room 2 malam dari 3hb Mei 2027, saya sorang", "abang saya pun ikut")["adults"] == 2
    assert fields("Deluxe King Room 2 malam dari 3hb Mei 2027, saya sorang", "ayah saya ikut sekali")["adults"] == 2
