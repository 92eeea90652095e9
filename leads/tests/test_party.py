"""The party however a guest says who is coming (issue 15, t15d3): counted ("for 3", "4 pax", "tiga orang"), named
("my parents and I", "saya, isteri dan ibu saya"), in couples, alone ("on my own", "sendirian"), joined later ("my
sister is coming too", "nenek pun nak ikut"), or with children left uncounted ("the kids", "a family of 6"), which the
policy asks about once and never before the summary. One test per kind.

Every message here was written for these tests; none is taken from a dialogue set.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from leads.models import ConsentStatus
from leads.services.consent import question
from leads.services.extraction import extract
from leads.services.party import couples, joining_adults, named_adults
from leads.services.policy import CONTACT, PARTY_AGAIN, Decision, DialogueState, decide, missing
from leads.services.schema import ExtractedLead
from leads.tests.accuracy import CTX
from leads.turn import answer_hint, unread_party

ROOM = "Could I book a room from 9 September 2027 for 2 nights?"


def party(*messages: str) -> tuple[Any, Any, Any]:
    got = extract(list(messages), CTX).fields.known_fields()
    return got.get("adults"), got.get("children"), got.get("group_size")


def unclear(*messages: str) -> list[str]:
    return extract(list(messages), CTX).signals.unclear


# A bare count in a room booking, with nobody said to be a child, is its adults; so are the grown-ups a guest names.
ADULTS = {
    "for 3 please": 3, "it's for 3": 3, "4 pax": 4, "3 people": 3, "tiga orang je": 3, "untuk 4 orang": 4,
    "we're 5 colleagues": 5, "my parents and I": 3, "me, my husband and my mother-in-law": 3,
    "my mum, my aunt and me": 3,
    "the wife and I": 2, "me & the hubby": 2, "I'm coming with my grandparents": 3, "a room for my in-laws": 2,
    "my boss and I, plus a colleague": 3, "me and 3 colleagues": 4, "saya, isteri dan ibu saya": 3,
    "saya dengan ibu bapa saya": 3, "untuk mak ayah saya": 2, "my wife, our son and my father": 3,
    "we are 4, 2 of us are children": 2,
}  # fmt: skip


@pytest.mark.parametrize("text", ADULTS)
def test_the_adults_of_a_room_counted_or_named(text: str) -> None:
    assert party(ROOM, text)[0] == ADULTS[text]


@pytest.mark.parametrize(
    "text",
    [
        "a family of 6",
        "kami sekeluarga 6 orang",
        "kami 6 beranak",
        "6 pax incl. children",
        "a school group of 30 students",
    ],
)
def test_a_count_of_a_family_children_or_students_is_no_count_of_adults(text: str) -> None:
    adults, _, group_size = party(ROOM, text)
    assert adults is None and group_size


def test_a_bare_count_for_an_event_or_a_table_stays_the_group_only() -> None:
    assert party("A birthday dinner for 12 on 9 September 2027")[0] is None
    assert party("We'd like a meeting room for 15 on 9 September 2027")[0] is None


@pytest.mark.parametrize(
    "text",
    ["my wife loves your spa", "me and my friends", "my mother recommended you", "I'd like a quiet room for me"],
)
def test_a_relative_mentioned_in_passing_or_friends_without_a_number_count_nobody(text: str) -> None:
    assert named_adults(text.lower()) is None


def test_the_guests_own_spouse_brings_the_guest_along() -> None:
    assert named_adults("my husband and the kids") == 2
    assert named_adults("isteri saya dan anak-anak") == 2
    assert named_adults("my sister and her husband") == 2  # someone else's spouse: not the guest's party


@pytest.mark.parametrize(("text", "adults"), [("three couples", 6), ("2 couples", 4), ("dua pasangan", 4)])
def test_couples_count_two_each(text: str, adults: int) -> None:
    assert couples(text) == adults
    assert party(ROOM, text)[0] == adults


@pytest.mark.parametrize(
    "text", ["on my own", "I'll be travelling by myself", "Me.", "myself", "just me this time", "saya sendirian"]
)
def test_one_guest_alone_is_one_adult(text: str) -> None:
    assert party(ROOM, text)[0] == 1


@pytest.mark.parametrize(("text", "adults"), [("both of us", 2), ("us two", 2), ("for two, please", 2)])
def test_two_said_without_a_number_of_adults(text: str, adults: int) -> None:
    assert party(ROOM, text)[0] == adults


@pytest.mark.parametrize(
    ("messages", "adults"),
    [
        ([ROOM, "2 adults", "my sister is coming too"], 3),
        ([ROOM, "3 adults", "my in-laws will be joining us as well"], 5),
        ([ROOM, "2 dewasa 1 budak", "nenek pun nak ikut"], 3),
        ([ROOM, "saya dan suami", "mak dan ayah saya pun ikut sekali"], 4),
        ([ROOM, "my father is joining me"], 2),  # nobody counted before: the guest and the one joining
    ],
)
def test_grown_ups_who_join_a_party_are_added_to_it(messages: list[str], adults: int) -> None:
    assert party(*messages)[0] == adults


def test_joining_counts_only_others_and_only_grown_ups() -> None:
    assert joining_adults("my wife and i are coming on the 9th") == 0  # the guest's own party, not a change
    assert joining_adults("the kids are coming too") == 0  # children: counted by the children readers
    assert party(ROOM, "2 dewasa", "budak-budak nak ikut, 2 orang")[:2] == (2, 2)


def test_a_party_named_in_a_later_message_corrects_the_count() -> None:
    assert party(ROOM, "2 adults", "sorry, it'll be me, my wife and my dad")[0] == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a room for 2 plus a toddler", (2, 1)),
        ("3 and 2 kids", (3, 2)),
        ("untuk 2 orang dan seorang bayi", (2, 1)),
        ("2 dewasa dengan sorang anak", (2, 1)),
        ("two adults with three young children", (2, 3)),
    ],
)
def test_adults_then_children_without_the_adults_label(text: str, expected: tuple[int, int]) -> None:
    assert party(ROOM, text)[:2] == expected


@pytest.mark.parametrize("text", ["no kids", "all adults", "semua dewasa", "tiada kanak-kanak", "semua dah besar"])
def test_no_children_is_an_answer_and_the_family_is_then_all_adults(text: str) -> None:
    assert party(ROOM, "a family of 4", text) == (4, 0, 4)


@pytest.mark.parametrize(
    "messages",
    [
        [ROOM, "me, my partner and the kids"],
        [ROOM, "my husband and I are bringing our children"],
        [ROOM, "saya, suami dan anak-anak"],
        [ROOM, "a family of 5"],
        [ROOM, "keluarga saya 5 orang"],
        [ROOM, "kami 4 beranak"],
    ],
)
def test_children_spoken_of_without_their_number_are_unclear(messages: list[str]) -> None:
    assert unclear(*messages) == ["children"]


@pytest.mark.parametrize(
    "messages",
    [
        [ROOM, "2 adults. Do kids stay free?"],
        [ROOM, "is the kids' club open in September?"],
        [ROOM, "a family of 5, 3 of them kids"],
        [ROOM, "me, my wife and our 2 kids"],
        ["Do you have a family suite on 9 September 2027?"],
    ],
)
def test_children_asked_about_or_counted_are_not_unclear(messages: list[str]) -> None:
    assert unclear(*messages) == []


JUNE = dt.date(2027, 6, 20)


def room(**fields: Any) -> ExtractedLead:
    return ExtractedLead.model_construct(**{"intent": "room_booking", **fields})


def test_the_policy_asks_for_the_children_right_after_the_adults_when_they_were_left_uncounted() -> None:
    fields = room(check_in=JUNE, nights=2, adults=2)
    state = DialogueState(asked=["check_in", "nights", "adults"], unclear=["children"])
    assert missing(fields, state.unclear)[:2] == ["children", "room_type"]
    assert decide(fields, state, gave_details=True) == Decision("ask", "children")
    state.asked.append("children")
    assert decide(fields, state, gave_details=True) == Decision("ask", "room_type")  # once, never again
    assert decide(room(check_in=JUNE, nights=2, adults=2, children=0), state, gave_details=True).slot == "room_type"


def test_the_childrens_number_never_holds_up_the_summary() -> None:
    everything = room(check_in=JUNE, nights=2, group_size=4, room_type="Family Suite", phone="+60123456789")
    state = DialogueState(asked=["check_in", "nights", "adults", "room_type", CONTACT, "name"], unclear=["children"])
    assert decide(everything, state, gave_details=True) == Decision("consent")


def test_an_unreadable_answer_to_the_party_question_gets_a_narrower_one_once() -> None:
    fields = room(check_in=JUNE, nights=2)
    state = DialogueState(asked=["check_in", "nights", "adults"], unclear=["party"])
    assert decide(fields, state, gave_details=False) == Decision("ask", PARTY_AGAIN)
    state.asked.append(PARTY_AGAIN)
    assert decide(fields, state, gave_details=False) == Decision("ask", "room_type")
    assert decide(fields, DialogueState(asked=["check_in", "nights", "adults"]), gave_details=False).slot == "room_type"


def test_the_narrower_question_and_the_split_are_not_the_party_question_again() -> None:
    for language in ("en", "ms"):
        assert question(PARTY_AGAIN, room(), language) != question("adults", room(), language)
    assert question("children", room(group_size=6), "en") == "Of the 6 of you, how many are children?"
    assert question("children", room(adults=2), "ms") == "Berapa kanak-kanak yang akan ikut?"


def test_which_answers_to_the_party_question_are_unread() -> None:
    asked = DialogueState(asked=["check_in", "nights", "adults"], consent=ConsentStatus.NOT_ASKED)
    assert unread_party("the usual gang", asked, {}, None)
    assert not unread_party("not sure yet", asked, {}, None)  # they do not know: nothing to ask again
    assert not unread_party("tak pasti lagi", asked, {}, None)
    assert not unread_party("Deluxe King", asked, {"room_type": "Deluxe King"}, None)
    assert not unread_party("Zainal", asked, {}, "my name is Zainal")
    assert not unread_party("whatever", DialogueState(asked=["check_in"]), {}, None)


@pytest.mark.parametrize(
    ("text", "last", "hint"),
    [("2", "children", "2 children"), ("none", "children", "no children"), ("tiada", "children", "no children"),
     ("none, all grown up", "children", "no children"), ("no, one kid", "children", None), ("tak, 2", "children", None),
     ("3", PARTY_AGAIN, "3 adults")],
)  # fmt: skip
def test_a_bare_answer_to_the_children_or_the_narrower_question(text: str, last: str, hint: str | None) -> None:
    assert answer_hint(text, last) == hint
    assert answer_hint("no", "room_type") is None


def test_a_count_after_a_room_s_name_or_a_booking_is_the_party():  # t15d4
    assert party("Hello, deluxe king for 2 on 8 Jan 2027, 1 night")[0] == 2
    assert party("booking for 3 from Friday")[2] == 3
    assert party("twin for 3 nights") == (None, None, None)  # nights, not people
    assert party("a family suite for 4 from 3 May 2027")[0] is None  # a family: the split is not all adults
