"""The reply's language in code-mixed chat (issue 15, l38): a message of hotel words, dates and "ok" keeps the
conversation's language, Malay SMS forms count as Malay, "check-in" and "for 2 nights" count as no English, and a
Malay particle alone does not turn an English sentence Malay."""

from __future__ import annotations

import pytest

from leads.turn import guest_language


@pytest.mark.parametrize(
    ("text", "session"),
    [
        ("deluxe king room, 2 pax", "ms"),
        ("family suite, 2 adults 2 kids", "ms"),
        ("ok, 3 nights from 5 March", "ms"),
        ("check in 12/6 check out 14/6", "ms"),
        ("deluxe twin, check in 5 March, check out 7 March", "ms"),
        ("wedding hall for 300 pax", "ms"),
        ("ok noted, tq", "ms"),
        ("Deluxe King Room for 2 adults, 4 to 7 June 2027", "en"),
    ],
)
def test_a_message_of_details_shared_by_both_languages_keeps_the_conversations(text, session) -> None:
    assert guest_language(text, session) == session


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hi nak book room 2 pax on 25/12/2027 for 2 nights", "ms"),  # "on", "for" belong to the date, not English
        ("check-in time pukul brp", "ms"),  # "in" of "check-in" is no English
        ("tq, jumpa nanti", "ms"),
        ("sy nk tau parking free x", "ms"),
        ("bilik deluxe king", "ms"),  # one Malay word beside the room's name is enough
    ],
)
def test_malay_sms_forms_count_and_loanword_phrases_do_not(text, language) -> None:
    assert guest_language(text, "en" if language == "ms" else "ms") == language


@pytest.mark.parametrize("text", ["ok lah thanks ya", "can ah, see you", "thanks ya, see you tomorrow"])
def test_an_english_sentence_with_a_malay_particle_stays_english(text) -> None:
    assert guest_language(text, "ms") == "en"


def test_a_particle_beside_other_malay_still_counts() -> None:
    assert guest_language("boleh je lah, ok", "en") == "ms"
