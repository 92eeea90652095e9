"""Children named by family words across messages, details in less usual forms, and a question asked mid-enquiry
(issue 15, t17b). "anak perempuan saya ikut", then "anak lelaki pun nak ikut" is two children; "my daughter and her
cousin" two children and no third adult; "2 budak dan sorang baby" three; "a room for 2+1" two adults and a child;
"in October 2027, from the 3rd to the 5th" October; "malam Jumaat" the Thursday night; after the answer to a
question the contact still missing is asked again, once.

Every message here was written for these tests; none is taken from a dialogue set.
"""

from __future__ import annotations

import datetime as dt

import pytest

from leads.services.policy import CONTACT, Decision, DialogueState, decide
from leads.services.schema import ExtractedLead
from leads.tests.accuracy import fields  # 23 November 2026 (a Monday), Kuala Lumpur

SUITE = "Family suite, 10 to 12 June 2027"


@pytest.mark.parametrize(
    ("messages", "children"),
    [
        ((SUITE, "saya dengan isteri", "anak perempuan saya ikut sekali", "anak lelaki pun nak ikut"), 2),
        ((SUITE, "me and my wife", "our daughter is coming along", "and our son wants to join as well"), 2),
        ((SUITE, "saya dan suami", "anak lelaki kami ikut"), 1),
        ((SUITE, "2 dewasa", "anak perempuan saya ikut", "anak perempuan saya umur 5 tahun"), 1),  # the same girl
        ((SUITE, "me and my husband", "my son is coming", "my son is 7 by the way"), 1),
    ],
)
def test_children_named_by_family_words_across_messages(messages, children) -> None:
    got = fields(*messages)
    assert (got["adults"], got["children"]) == (2, children)


CHILDS_COMPANIONS = (
    "my daughter and her cousin will come too",
    "our son and his friend are coming along",
    "anak perempuan saya dan sepupu dia pun ikut",
)


@pytest.mark.parametrize("later", CHILDS_COMPANIONS)
def test_a_childs_own_companion_is_a_child_and_not_an_adult(later) -> None:
    got = fields("Deluxe king for 2 adults, 10 to 12 June 2027", later)
    assert (got["adults"], got["children"]) == (2, 2)


def test_a_companion_of_the_guest_is_still_an_adult() -> None:
    got = fields("Deluxe king for 2 adults, 10 to 12 June 2027", "my sister and her husband are coming too")
    assert (got["adults"], got.get("children")) == (4, None)


@pytest.mark.parametrize(
    ("later", "children"),
    [
        ("2 kids and a baby", 3),
        ("Lupa nak cakap, ada 2 budak dan sorang baby", 3),
        ("2 budak, 1 bayi", 3),
        ("sorry, 2 kids", 2),  # said again: a new count, not one more
        ("please add a baby cot and a kids' meal", None),  # things for a child add none
        ("tambah satu katil bayi", None),
    ],
)
def test_children_listed_one_after_another_add_up(later, children) -> None:
    got = fields("Family suite for 2 adults, 10 to 12 June 2027", later)
    assert (got["adults"], got.get("children")) == (2, children)


@pytest.mark.parametrize(
    ("text", "party"),
    [
        ("Need a room for 2+1 from 10 to 13 Sept 2027", (2, 1, 3)),
        ("deluxe king 10hb-13hb Sept 2027 untuk 2+2", (2, 2, 4)),
        ("family suite 10 to 13 Sept 2027, we are 2 + 1", (2, 1, 3)),
    ],
)
def test_a_party_written_as_adults_plus_children(text, party) -> None:
    got = fields(text)
    assert (got["adults"], got["children"], got["group_size"]) == party


@pytest.mark.parametrize("text", ["family suite 10 to 13 Sept 2027 for 2 + 1 adults", "call 2+1 times"])
def test_a_sum_that_is_no_family_is_no_child(text) -> None:
    assert fields(text).get("children") is None


@pytest.mark.parametrize(
    ("text", "check_in", "check_out"),
    [
        ("We're coming in October 2027, from the 3rd to the 5th", "2027-10-03", "2027-10-05"),
        ("bulan Mac nanti, 3hb sampai 5hb, bilik keluarga", "2027-03-03", "2027-03-05"),
        ("deluxe king in December, the 20th to the 22nd", "2026-12-20", "2026-12-22"),
    ],
)
def test_bare_days_after_a_month_named_are_in_that_month(text, check_in, check_out) -> None:
    got = fields(text)
    assert (str(got["check_in"]), str(got["check_out"])) == (check_in, check_out)


def test_bare_days_alone_are_still_the_next_such_days() -> None:
    got = fields("a room from the 3rd to the 5th")
    assert (str(got["check_in"]), str(got["check_out"])) == ("2026-12-03", "2026-12-05")


@pytest.mark.parametrize(
    ("text", "check_in"),
    [
        ("bilik untuk malam Jumaat ni, 2 orang", "2026-11-26"),  # Thursday night
        ("nak book mlm sabtu ni 1 malam", "2026-11-27"),  # Friday night
        ("bilik hari Jumaat ni", "2026-11-27"),
        ("deluxe king on Friday night, 2 adults", "2026-11-27"),
    ],
)
def test_a_malay_night_is_named_by_the_day_after_it(text, check_in) -> None:
    assert str(fields(text)["check_in"]) == check_in


def test_after_an_answered_question_the_missing_contact_is_asked_again_once() -> None:
    lead = ExtractedLead(intent="room_booking", check_in=dt.date(2027, 6, 10), nights=2, adults=2)
    state = DialogueState(asked=["room_type", CONTACT])
    assert decide(lead, state, gave_details=False).kind == "none"  # no question asked: no nagging
    assert decide(lead, state, gave_details=False, answered_question=True) == Decision("ask", CONTACT)
    state.reminded = True
    assert decide(lead, state, gave_details=False, answered_question=True).kind == "none"  # never a third time
    assert DialogueState.from_json(state.as_json()).reminded


def test_a_year_ending_one_message_is_no_count_of_the_children_in_the_next() -> None:
    got = fields("Deluxe king for 2 adults, 10 to 12 June 2027", "anak perempuan saya ikut")
    assert (got["adults"], got["children"]) == (2, 1)
