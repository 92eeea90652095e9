"""A day of the stay said aside, a baby added later, a guest's own "bila …?" question (issue 15, t42d).

- "Out" alone ends the stay when the guests are out ("we're out on the 5th", "in on the 2nd, out on the 5th"), not
  when something is done out ("we'll eat out on the 11th", "a night out on the 12th").
- A bare day said amid other words, inside the stay already known and with nothing that moves it ("is the pool open
  on the 12th? the kids want to swim"), is a day of the stay; "sorry, the 11th" still moves it.
- One more child said after the party: "sorang lagi baby", "tambah sorang baby", "one more, a baby"; "2 dws 2 ank".
- Our date question said back is said in its own words ("tarikh? 5hb Jan"); "bila boleh check in? …" is the guest's
  question, kept whole for the answer, with the date beside it read.
- "ok on, teruskan" (Malay for "ok, go ahead") is Malay.

Every message here was written for these tests; none is taken from a dialogue set.
"""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.language import detect_guest_language
from leads.services.dates import checkout_cue_before
from leads.tests.test_ranges_phones_and_kin import _fields  # the lead read on Monday 23 November 2026
from leads.turn import without_echo

STAY = "Family suite 10 to 13 Sept 2027, 2 adults 2 kids"


@pytest.mark.parametrize(
    ("before", "cue"),
    [
        ("we're out on ", True),
        ("in on the 28th, out ", True),
        ("checking in sat, out ", True),
        ("and out on ", True),
        ("we're heading out on ", True),
        ("we'll probably eat out on ", False),
        ("a night out on ", False),
        ("sold out on ", False),
        ("x" * 40 + " out on ", False),  # a word cut by the window is still the word it was
    ],
)
def test_out_ends_the_stay_only_when_the_guests_are_out(before, cue) -> None:
    assert checkout_cue_before(before, len(before)) is cue


def test_were_out_on_the_5th_is_the_check_out() -> None:
    fields = _fields("Deluxe King from 2 May 2027 for 2 adults", "we're out on the 5th")
    assert (fields.check_in, fields.check_out, fields.nights) == (dt.date(2027, 5, 2), dt.date(2027, 5, 5), 3)


@pytest.mark.parametrize(
    "aside",
    [
        "is the pool open on the 12th? the kids want to swim",
        "my husband plays golf on the 11th, is there parking for his car",
        "the kids want a day out on the 12th, is the zoo far from you?",
    ],
)
def test_a_day_inside_the_stay_said_aside_keeps_the_stay(aside) -> None:
    fields = _fields(STAY, aside)
    assert (fields.check_in, fields.check_out, fields.nights) == (dt.date(2027, 9, 10), dt.date(2027, 9, 13), 3)


@pytest.mark.parametrize(
    "correction", ["sorry, the 11th", "make it the 11th", "we arrive on the 11th", "can we do the 11th instead please"]
)
def test_a_day_said_to_move_the_stay_still_moves_it(correction) -> None:
    fields = _fields(STAY, correction)
    assert fields.check_in == dt.date(2027, 9, 11)


@pytest.mark.parametrize(
    ("messages", "children"),
    [
        (("family suite 2 dewasa 1 budak, 6hb-8hb Jun 2027", "eh sorang lagi baby"), 2),
        (("Deluxe king 2 dewasa 9hb hingga 11hb Julai 2027", "tambah sorang baby ya"), 1),
        (("Family suite 2 adults 1 child 1-3 Aug 2027", "oh and one more, a baby"), 2),
        (("family suite 2 dws 2 ank 19hb-21hb Feb 2027",), 2),
        # a thing for the baby is still no child, and "our son … add one more kid" is the son
        (("Deluxe king 2 adults 9 to 11 July 2027", "please add one more baby cot"), None),
        (("Family Suite 3-5 June 2027, 2 adults", "our son wants to come too, so add one more kid"), 1),
    ],
)
def test_one_more_child_said_after_the_party(messages, children) -> None:
    fields = _fields(*messages)
    assert fields.children == children
    assert fields.adults == 2


def test_one_more_a_baby_is_coming_adds_no_grown_up() -> None:
    fields = _fields("Family suite 2 adults 1 child 1-3 Aug 2027", "one more, a baby, is coming along")
    assert (fields.adults, fields.children) == (2, 2)


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("tarikh? 5hb Jan 2027", "5hb Jan 2027"),
        ("tarikh daftar masuk? 5hb Jan 2027", "5hb Jan 2027"),
        ("which date would you like? 3 May", "3 May"),
        # the guest's own question, answered as one (the date beside it is read all the same)
        ("bila boleh check in? kami sampai 5hb Jan 2027", "bila boleh check in? kami sampai 5hb Jan 2027"),
        ("bila sarapan mula? kami datang 5hb Jan", "bila sarapan mula? kami datang 5hb Jan"),
        ("what dates are free? 3 May maybe", "what dates are free? 3 May maybe"),
    ],
)
def test_our_date_question_said_back_is_said_in_its_words(text, read) -> None:
    assert without_echo(text, ["check_in"]) == read


def test_ok_on_teruskan_keeps_a_malay_chat_malay() -> None:
    assert detect_guest_language("ok on, teruskan", default="ms") == "ms"
