"""Days of a stay said in words or before the date that ends it, a weekday that ends a stay (also in its short forms,
t39d), a baby said as an infant, a newborn, by months or in passing ("ada baby", t39d), the grown-ups counted as
"us" before the children, and the hotel's English room name typed alone by a Malay guest (t28d)."""

from __future__ import annotations

import pytest

from leads.services.schema import RoomOption
from leads.tests.test_ranges_phones_and_kin import _fields  # the lead read on Monday 23 November 2026
from leads.turn import guest_language

ROOMS = (RoomOption("Deluxe King Room", ("Deluxe King",)), RoomOption("Family Suite"))


# What the guest wrote → (check-in, check-out), read on Monday 23 November 2026.
STAYS = {
    # a days range in words
    "Family Suite from the twelfth to the fifteenth of March 2027": ("2027-03-12", "2027-03-15"),
    "Family Suite, from the first till the 3rd of May 2027": ("2027-05-01", "2027-05-03"),
    "Deluxe King, in on the twenty-first of June 2027 and out on the twenty-fourth": ("2027-06-21", "2027-06-24"),
    # an ordinal word that is no day stays a word
    "Deluxe King close to the first floor lift, from 2 May 2027 to 5 May 2027": ("2027-05-02", "2027-05-05"),
    # a day said before the date that ends the stay is in that date's month (or the month before it)
    "Deluxe King Room, masuk 12hb keluar 15hb Mac 2027": ("2027-03-12", "2027-03-15"),
    "Family Suite, check in 12hb, check out 15 Mac 2027": ("2027-03-12", "2027-03-15"),
    "Family Suite, arriving the 30th, leaving 2 Jan 2027": ("2026-12-30", "2027-01-02"),
    # a weekday that ends a stay is the first one after its start ("Isnin" is today, a Monday)
    "Deluxe King, Sabtu ni sampai Isnin": ("2026-11-28", "2026-11-30"),
    "Deluxe King from Friday to Monday": ("2026-11-27", "2026-11-30"),
    "Family Suite from Saturday till Tuesday": ("2026-11-28", "2026-12-01"),
    "Family Suite this Friday to Sunday": ("2026-11-27", "2026-11-29"),
    # weekdays in their short forms, in a range or after a placing word (t39d)
    "Deluxe King this Fri to Sun": ("2026-11-27", "2026-11-29"),
    "Family Suite from sat to mon, 2 adults": ("2026-11-28", "2026-11-30"),
    "Deluxe King, checking in sat, out mon": ("2026-11-28", "2026-11-30"),
    "Family Suite, arriving Thu, leaving Sat. Two adults.": ("2026-11-26", "2026-11-28"),
    "Deluxe King fri-sun ni, 2 org": ("2026-11-27", "2026-11-29"),
    "Family Suite, Thurs till Sat": ("2026-11-26", "2026-11-28"),
    # a weekday before each day of a range restates it
    "Family Suite fri 12 to sun 14 March 2027": ("2027-03-12", "2027-03-14"),
    "Deluxe King, Jumaat 5hb - Ahad 7hb Mac 2027": ("2027-03-05", "2027-03-07"),
    "Deluxe King this Friday 2 adults for 2 nights": ("2026-11-27", "2026-11-29"),
    # the full date after the day gives the month of both, with or without a cue before it
    "Deluxe King for 2 adults, in on the 28th, out 2 March 2027": ("2027-02-28", "2027-03-02"),
    "nak tempah bilik, masuk 30hb, keluar 2 Mei 2027": ("2027-04-30", "2027-05-02"),
}


@pytest.mark.parametrize("text", list(STAYS))
def test_a_stays_days_in_words_before_its_end_date_or_as_weekdays(text) -> None:
    fields = _fields(text)
    assert (str(fields.check_in), str(fields.check_out)) == STAYS[text]


@pytest.mark.parametrize(
    "messages",
    [
        ("Deluxe King Room 3-5 June 2027", "2 adults plus our infant, we'll need a crib"),
        ("Deluxe King Room 3-5 June 2027", "my husband and I with our newborn"),
        ("Deluxe King Room 3-5 June 2027 for me and my wife", "we're bringing our 10-month-old"),
        ("Deluxe King Room 3-5 June 2027", "me and my wife and our 8 month old baby"),
        # a baby said in passing (t39d)
        ("Family Suite 3 malam mulai 14 Mei 2027, sy dgn suami, ada baby",),
        ("Deluxe King 20hb Jun 2027, 2 malam", "sy dan isteri, bawa bayi sekali"),
        ("Deluxe King 3-5 June 2027, 2 adults", "oh and we're bringing a baby"),
    ],
)
def test_a_baby_said_as_an_infant_a_newborn_by_months_or_in_passing_is_a_child(messages) -> None:
    fields = _fields(*messages)
    assert (fields.adults, fields.children) == (2, 1)


@pytest.mark.parametrize(
    ("text", "adults", "children", "group_size"),
    [
        ("Family Suite 3-5 June 2027, 2 of us and our daughter", 2, 1, 3),
        ("Family Suite 3-5 June 2027 for 2 of us plus our son", 2, 1, 3),
        ("Family Suite 3-5 June 2027, we are 2 and our baby", 2, 1, 3),
        ("Family Suite 3-5 Jun 2027, kami 2 org dan 2 anak", 2, 2, 4),
        ("Family Suite 3-5 June 2027, the two of us and our 2 kids", 2, 2, 4),
        # the children counted among the party: not added to it
        ("Family Suite 3-5 June 2027 for 3 of us, including our son", 2, 1, 3),
        ("Family Suite 3-5 June 2027, we are 4 with 2 kids", 2, 2, 4),
    ],
)
def test_the_grown_ups_counted_as_us_before_the_children_are_the_adults(text, adults, children, group_size) -> None:
    fields = _fields(text)
    assert (fields.adults, fields.children, fields.group_size) == (adults, children, group_size)


@pytest.mark.parametrize(
    ("text", "session", "language"),
    [
        ("deluxe king room", "ms", "ms"),  # the hotel's English name answers the room question
        ("Family Suite please", "ms", "ms"),  # "please" closes a Malay request too (t39d)
        ("Family Suite please, just for my wife and me", "ms", "en"),  # the guest's own words decide
        ("family suite, 3 malam mula 24hb Jun 2027", "en", "ms"),
        ("Family Suite berapa semalam?", "en", "ms"),  # the name counts towards saying enough
        ("I'd like to book the deluxe king room for my wife and me", "ms", "en"),
    ],
)
def test_the_hotels_room_name_says_nothing_of_the_guests_language(text, session, language) -> None:
    assert guest_language(text, session, ROOMS) == language


@pytest.mark.parametrize(
    ("text", "children"),
    [
        ("Family Suite 3-5 Jun 2027, dewasa 2, kanak2 umur 5 dan 8", 2),
        ("Family Suite 3-5 June 2027, 2 adults, kids aged 5, 8 and 11", 3),
        ("Family Suite 3-5 Jun 2027, 2 dewasa + 2 kanak-kanak (umur 4 & 7) + 1 bayi", 3),
        ("Family Suite 3-5 Jun 2027, 2 dws 1 bby", 1),
        ("Family Suite 3-5 June 2027, 2 adults and 2 kids aged 9 and 12", 2),  # counted and aged: counted once
    ],
)
def test_children_counted_by_their_ages_or_past_their_ages_in_brackets(text, children) -> None:
    fields = _fields(text)
    assert (fields.adults, fields.children) == (2, children)
