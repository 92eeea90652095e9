"""Names and party sizes read whatever the wording (issue 15, bar 1 on held-out dialogues, w15e): one test per
kind: a name beside the contact it signs (either order, with a title, "bin"/"a/p"), a booking "under" a name,
a bare name given in reply to another question, the party said as "us" in Malay and English, and a change to
the party ("one more person is joining", "tambah seorang lagi").

Every message here was written for these tests; none is taken from a dialogue set.
"""

from __future__ import annotations

import pytest

from leads.services.extraction import name_beside_contact
from leads.tests.accuracy import fields
from leads.turn import answer_hint

# A name beside the contact it signs (either order, a title, "a/p", "bin", a label), and a booking "under" a name.
NAMED = {
    "Chong Wei Ling, wl.chong@example.com": "Chong Wei Ling",
    "wl.chong@example.com - Chong Wei Ling": "Chong Wei Ling",
    "0191234567 Harpreet": "Harpreet",
    "Mdm. Lakshmi a/p Raju, 016-234 5678": "Mdm. Lakshmi a/p Raju",
    "Encik Hafiz bin Omar 012-909 1212": "Encik Hafiz bin Omar",
    "Tel: 013-222 1111, Mohd Firdaus": "Mohd Firdaus",
    "it's under Wong": "Wong",
    "please put it under Fernandez": "Fernandez",
    "booking under the name of Aminah Kassim": "Aminah Kassim",
    "reservation under my name, Kelvin Ooi": "Kelvin Ooi",
    "tempahan atas nama Rohani Yaakob": "Rohani Yaakob",
}


@pytest.mark.parametrize("text", NAMED)
def test_a_name_beside_the_contact_it_signs_or_a_booking_under_a_name(text: str) -> None:
    assert fields(text)["name"] == NAMED[text]


@pytest.mark.parametrize(
    "text",
    ["Thanks, 012-345 6789", "Deluxe King, 012-345 6789", "please call 012-345 6789", "my email is a@b.com Sure"],
)
def test_only_a_name_and_nothing_else_beside_a_contact_is_a_name(text: str) -> None:
    assert name_beside_contact(text, "MY") is None
    assert "name" not in fields(text)


def test_under_before_a_lower_case_word_names_nobody() -> None:
    assert "name" not in fields("is the pool open? I heard it's under renovation")


@pytest.mark.parametrize("text", ["Goh Mei Ling", "Ravi Shankar", "Nurul Huda Ismail"])
def test_a_bare_name_in_reply_to_another_question_is_the_name(text: str) -> None:
    assert answer_hint(text, "room_type", names_only=True) == f"my name is {text}"
    assert answer_hint(text, None, names_only=True) == f"my name is {text}"  # after the summary and YES/NO
    assert answer_hint(text, "room_type") is None  # without an open enquiry that reads as nothing else


@pytest.mark.parametrize("text", ["Deluxe King", "Yes Please", "ok sure", "Sea View"])
def test_a_room_or_a_yes_is_no_bare_name_to_another_question(text: str) -> None:
    assert answer_hint(text, "room_type", names_only=True) is None


def test_a_single_word_is_the_name_to_another_question_only_while_the_name_is_unknown() -> None:
    # t15d2: "Ravi" in reply to "which room type?" is the guest's name (test_families_holidays_and_names.py).
    assert answer_hint("Ravi", "room_type", names_only=True) == "my name is Ravi"
    assert answer_hint("Ravi", "room_type", names_only=True, name_known=True) is None


@pytest.mark.parametrize(
    ("text", "adults"),
    [("kami bertiga", 3), ("kami berlima", 5), ("kami 4 org", 4), ("we are 3", 3), ("there are three of us", 3)],
)
def test_the_party_said_as_us_is_the_adults_of_a_room(text: str, adults: int) -> None:
    got = fields("nak tempah bilik 2 malam", text)
    assert (got["adults"], got["group_size"]) == (adults, adults)


def test_the_party_as_us_is_not_the_adults_when_children_are_counted_or_for_an_event() -> None:
    assert fields("nak tempah bilik 2 malam", "kami berlima, 3 kanak-kanak")["children"] == 3
    # t15d2: the adults are then the party less its children, as a receptionist writes them (not the five).
    assert fields("nak tempah bilik 2 malam", "kami berlima, 3 kanak-kanak")["adults"] == 2
    assert "adults" not in fields("majlis perkahwinan, kami 300 orang")


@pytest.mark.parametrize(
    ("first", "change", "adults"),
    [
        ("a room for 2 adults, 3 nights", "actually one more person is joining us", 3),
        ("a room for 2 adults, 3 nights", "add another adult please", 3),
        ("a room for 2 adults, 3 nights", "2 more people are coming along", 4),
        ("bilik untuk 2 dewasa, 3 malam", "oh tambah seorang lagi", 3),
        ("bilik untuk 2 dewasa, 3 malam", "dua orang lagi nak ikut", 4),
        ("a room for 4 adults, 3 nights", "one person can't come now", 3),
        ("bilik untuk 4 dewasa, 3 malam", "kurang seorang", 3),
    ],
)
def test_a_change_to_the_party_adds_to_or_takes_from_the_count_given(first: str, change: str, adults: int) -> None:
    got = fields(first, change)
    assert (got["adults"], got["group_size"]) == (adults, adults)


def test_a_count_given_after_the_change_is_believed_and_a_night_more_is_no_person() -> None:
    assert fields("a room for 2 adults", "one more person is joining", "sorry, 2 adults after all")["adults"] == 2
    assert fields("a room for 2 adults, 3 nights", "add one more night")["adults"] == 2


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I'm very disappointed, the room smells of smoke", "general"),
        ("the room is dirty and noisy", "general"),
        ("bilik ni bising sangat", "general"),
        ("is the room available on 3 May 2027?", "room_booking"),
    ],
)
def test_the_room_a_guest_complains_of_books_nothing(text: str, intent: str) -> None:
    assert fields(text).get("intent", "general") == intent


@pytest.mark.parametrize(
    "text",
    [
        "nama saya Nur Aisyah binti Mohd Razak",
        "I'm Siti Nur Aisyah binti Mohd Razak",
        "Muhammad Amirul Hakim bin Abdul Rahman, 012-345 6789",
    ],
)
def test_a_long_name_with_bin_or_binti_is_read_whole(text: str) -> None:
    name = fields(text)["name"]
    assert name.endswith(("Mohd Razak", "Abdul Rahman")) and len(name.split()) >= 5


def test_a_long_bare_name_in_reply_to_the_name_question() -> None:
    name = "Kavitha a/p Subramaniam Pillai Nair"
    assert answer_hint(name, "name") == f"my name is {name}"
