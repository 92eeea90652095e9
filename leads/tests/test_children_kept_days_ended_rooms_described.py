"""Every detail the guest gave, kept (issue 15, t44d).

- "anak kami 2 orang ikut, seorang lagi bayi": two children, one of them a baby; "anak kami 2 orang" is no two
  adults more, and "seorang lagi" after the children counted in the same message is the other one of them.
- "sorang anak tak jadi ikut", "one kid isn't coming anymore": one child fewer, not every child.
- "Friday 3 Sept till the Sunday", "from Fri 3 Sept to Sun": the weekday ends the stay.
- "bilik yang ada dua bilik air", "yang ada pemandangan bandar tu", "the room with the view of the twin towers": the
  room the words describe, even when one of them is a word of another room's name.
- "we fly out on the 9th": a verb of leaving before "out" ends the stay; "dining out" still does not.
- "family suite 12-14hb Mac 2027": the "hb" of a Malay date is Malay.

Every message here was written for these tests; none is taken from a dialogue set.
"""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.language import detect_guest_language
from leads.services.schema import ExtractionContext, RoomOption
from leads.tests.accuracy import CTX, fields
from leads.tests.test_ranges_phones_and_kin import _fields  # the lead read on Monday 23 November 2026

STAY = "family suite 5hb Mac 2027 2 malam"


@pytest.mark.parametrize(
    ("messages", "adults", "children"),
    [
        ((STAY, "anak kami 2 orang ikut, seorang lagi bayi"), None, 2),
        ((STAY + ", 2 dewasa", "anak kami 2 orang ikut, seorang lagi bayi"), 2, 2),
        ((STAY, "kami 2 dewasa, anak kami 2 orang ikut, seorang lagi bayi"), 2, 2),
        ((STAY, "2 dewasa, anak 2 orang, sorang umur 6 thn seorang lagi baby"), 2, 2),
        ((STAY, "kami 2 orang"), 2, None),  # "kami 2 orang" alone is still the two adults
        ((STAY + ", 2 dewasa 2 anak", "sorang anak tak jadi ikut"), 2, 1),
        ((STAY + ", 2 dewasa 3 anak", "seorang anak kami tak dapat ikut"), 2, 2),
        (("family suite 2 adults 3 kids 5 Mar 2027 2 nights", "one kid isn't coming anymore"), 2, 2),
        (("family suite 2 adults 3 kids 5 Mar 2027 2 nights", "one of the children won't be joining"), 2, 2),
        (("family suite 2 adults 3 kids 5 Mar 2027 2 nights", "one of our kids can't make it after all"), 2, 2),
        (("family suite 2 adults 3 kids 5 Mar 2027 2 nights", "the kids aren't coming after all"), 2, 0),
        ((STAY + ", 2 dewasa 3 anak", "anak2 tak jadi ikut"), 2, 0),
        ((STAY + ", 2 dewasa 2 anak", "tambah sorang lagi bayi"), 2, 3),
    ],
)
def test_the_children_said_are_the_children_kept(messages, adults, children) -> None:
    party = _fields(*messages)
    assert party.adults == adults and party.children == children


@pytest.mark.parametrize(
    ("text", "stay"),
    [
        ("Deluxe King for two, Friday 3 Sept 2027 till the Sunday", "2027-09-03 +2"),
        ("Deluxe King for two, from Fri 3 Sept 2027 to Sun", "2027-09-03 +2"),
        ("Deluxe King for two, 3 Sept 2027 to Sun. Thanks", "2027-09-03 +2"),
        ("Deluxe King 2 dewasa, Jumaat 3hb Sept 2027 sampai Ahad", "2027-09-03 +2"),
        ("Deluxe King 2 adults from 3 Sept 2027 to the 6th", "2027-09-03 +3"),
    ],
)
def test_a_weekday_after_to_or_till_the_ends_the_stay(text, stay) -> None:
    lead = _fields(text)
    start, nights = stay.split(" +")
    assert lead.check_in == dt.date.fromisoformat(start)
    assert (lead.check_out - lead.check_in).days == lead.nights == int(nights)


# The fixture hotel's rooms in its own words: "Twin" names one room and is a word of another's description.
HOTEL_ROOMS = tuple(
    RoomOption(name, (short,), None, words)
    for name, short, words in [
        ("Deluxe King Room", "Deluxe King", "One king-size bed and a city view over the Twin Towers."),
        ("Family Suite", "Suite", "Two bedrooms, a living area with a sofa bed and two bathrooms."),
        ("Accessible Twin Room", "Accessible Twin", "The Twin Room: a roll-in shower, two single beds."),
    ]
)
HOTEL_CTX = ExtractionContext(CTX.reference, CTX.timezone, CTX.country, HOTEL_ROOMS)


@pytest.mark.parametrize(
    ("text", "room"),
    [
        ("nak tempah bilik yang ada dua bilik air tu, untuk 4 org dewasa", "Family Suite"),
        ("bilik yang ada ruang tamu dan sofa bed", "Family Suite"),
        ("I'd like the room with the view of the twin towers, 3 nights", "Deluxe King Room"),
        ("yang ada pemandangan bandar tu, 2 org, 4-6hb Feb 2027", "Deluxe King Room"),
        ("the one with the roll-in shower please", "Accessible Twin Room"),
        ("a twin room with a roll-in shower please", "Accessible Twin Room"),
        ("an accessible twin please", "Accessible Twin Room"),
    ],
)
def test_a_room_is_the_one_its_description_names(text, room) -> None:
    assert fields(text, ctx=HOTEL_CTX)["room_type"] == room


@pytest.mark.parametrize("text", ["bilik apa yang ada?", "apa lagi yang ada kat hotel ni?"])
def test_asking_what_there_is_describes_no_room(text) -> None:
    assert "room_type" not in fields(text, ctx=HOTEL_CTX)


@pytest.mark.parametrize(
    ("stay", "said", "check_out"),
    [
        ("Deluxe king 2 adults from 5 Mar 2027", "we fly out on the 9th", dt.date(2027, 3, 9)),
        ("Deluxe king 2 adults from 5 Mar 2027", "we'll be flying out on the 8th", dt.date(2027, 3, 8)),
        ("Deluxe king 2 adults 5-9 Mar 2027", "we fly out on the 9th", dt.date(2027, 3, 9)),
        ("Deluxe king 2 adults 5-9 Mar 2027", "we'll be dining out on the 7th", dt.date(2027, 3, 9)),  # done out
    ],
)
def test_a_verb_of_leaving_before_out_ends_the_stay(stay, said, check_out) -> None:
    lead = _fields(stay, said)
    assert (lead.check_in, lead.check_out) == (dt.date(2027, 3, 5), check_out)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("family suite 12-14hb Mac 2027", "ms"),
        ("deluxe king 5hb Jun 2027", "ms"),
        ("family suite 12-14 Mar 2027", "en"),
    ],
)
def test_the_hb_of_a_malay_date_says_malay(text, language) -> None:
    assert detect_guest_language(text) == language
