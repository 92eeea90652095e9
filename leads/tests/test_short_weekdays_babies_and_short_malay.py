"""Details read once, so never asked again, and the reply's language from a short message (issue 15, t39d): weekdays
in their short forms ("Fri to Sun", "checking in sat, out mon") or before each day of a range, a day said before the
full date that ends the stay without a cue ("the 28th, out 2 March"), a baby said in passing ("ada baby", "bawa
bayi"), a count said to another question than its label's ("2 adults" to "how many nights?"), a name signed on the
line after the sign-off, "please" in a Malay chat, a short message that is plainly Malay ("nak tempah") and a day
said instead of the check-out ("the 8th instead of the 7th"), a name with "binti" before "here" and the person to
contact named before their address ("Contact Ms. Rekha at …"). The stays in short weekdays and the babies said in
passing are cases of the tables in test_days_in_words_babies_and_rooms_named.py (the same tests, other words)."""

from __future__ import annotations

import pytest

from assistant.language import plainly_malay
from leads.services.dates import normalise
from leads.services.extraction import find_name
from leads.tests.test_ranges_phones_and_kin import _fields  # the lead read on Monday 23 November 2026
from leads.turn import answer_hint, guest_language


@pytest.mark.parametrize("text", ["I sat by the pool all day", "is the sun deck open?", "wed at the ballroom"])
def test_a_short_weekday_alone_is_a_word_not_a_day(text) -> None:
    assert normalise(text) == text.lower()


@pytest.mark.parametrize(
    "text",
    [
        "Deluxe King 3-5 June 2027 for 2 adults, ada baby cot?",
        "Deluxe King 3-5 June 2027 for 2 adults, is there a baby pool?",
        "Deluxe King 3-5 June 2027 for 2 adults, ada katil bayi tak?",
    ],
)
def test_a_thing_for_a_baby_is_no_child(text) -> None:
    assert _fields(text).children is None


@pytest.mark.parametrize(
    ("text", "asked", "hint"),
    [
        ("2", "nights", "2 nights"),
        ("3 malam", "nights", "3 nights"),
        ("2 adults", "adults", "2 adults"),
        # a count said with another question's label answers that one: the extraction reads it
        ("2 adults", "nights", None),
        ("3 malam je", "adults", None),
    ],
)
def test_a_bare_count_answers_the_question_its_label_fits(text, asked, hint) -> None:
    assert answer_hint(text, asked) == hint


def test_amin_said_to_the_name_question_is_a_name() -> None:
    assert answer_hint("Amin", "name") == "my name is Amin"


def test_a_name_signed_on_the_line_after_the_sign_off() -> None:
    text = "Saya nak tempah Family Suite 4hb hingga 6hb Dis 2027.\nSekian, terima kasih.\nNorazlina\n013-887 6612"
    assert find_name(text)[0] == "Norazlina"


@pytest.mark.parametrize("text", ["family suite please", "Deluxe king please", "2 dewasa please", "ok pls"])
def test_please_in_a_malay_chat_keeps_it_malay(text) -> None:
    assert guest_language(text, "ms") == "ms"


@pytest.mark.parametrize("text", ["nak tempah", "bilik ada?", "esok, 2 malam", "sy nk book"])
def test_a_short_message_that_is_plainly_malay_switches_to_malay(text) -> None:
    assert plainly_malay(text)
    assert guest_language(text, "en") == "ms"


@pytest.mark.parametrize("text", ["boleh", "ok lah", "ok tq", "2 dewasa", "thank you", "yes please"])
def test_a_short_message_that_could_be_either_keeps_the_conversations_language(text) -> None:
    assert guest_language(text, "en") == "en"


@pytest.mark.parametrize(
    ("correction", "check_in", "check_out"),
    [
        ("make it 8th instead of 7th", "2027-11-05", "2027-11-08"),  # the check-out ruled out: the check-out moves
        ("bukan 7hb, 9hb", "2027-11-05", "2027-11-09"),
        ("sorry, the 6th not the 5th", "2027-11-06", "2027-11-08"),  # the check-in ruled out: the stay moves
        ("the 21st", "2027-11-21", "2027-11-23"),  # a day alone moves the stay, its length kept
    ],
)
def test_a_day_said_instead_of_another_moves_the_end_it_replaces(correction, check_in, check_out) -> None:
    fields = _fields("Deluxe King 2 adults 5 to 7 Nov 2027", correction)
    assert (str(fields.check_in), str(fields.check_out)) == (check_in, check_out)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hi, Hjh. Rosmah binti Abd. Kadir here. Deluxe king 2 adults", "Hjh. Rosmah binti Abd. Kadir"),
        ("Training room for 18, 9 Sept 2027. Contact Ms. Rekha at rekha@solvex.my", "Ms. Rekha"),
        ("Dewan untuk 200 orang, hubungi Encik Azman di 012-345 6789", "Encik Azman"),
        # a desk or the guest themself is no name
        ("Call Reception at 012-345 6789?", None),
        ("please call me at 012-345 6789", None),
    ],
)
def test_a_name_with_a_connector_before_here_or_the_person_to_contact(text, name) -> None:
    assert find_name(text)[0] == name
