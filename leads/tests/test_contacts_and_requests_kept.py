"""International guests' phones read as the contact, and what a guest asks for their stay kept on the lead."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant import modes
from leads.services.extraction import GuestText, extract
from leads.services.schema import ExtractionContext

CTX = ExtractionContext(reference=dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC))


def _requests(*messages: str) -> str:
    return extract([GuestText(m) for m in messages], CTX).fields.special_requests or ""


# Written as guests from abroad write them, the name before or after; 00 is how Malaysia dials out.
FOREIGN_CONTACTS = [
    ("Rachel Goh, +44 7911 123456", "+447911123456", "Rachel Goh"),
    ("+65 9123 4567 - Daniel Tan", "+6591234567", "Daniel Tan"),
    ("(+61) 412-345-678, Sarah Mitchell", "+61412345678", "Sarah Mitchell"),
    ("0065 9876 5432 Tan Mei Ling", "+6598765432", "Tan Mei Ling"),
]


@pytest.mark.parametrize(("message", "phone", "name"), FOREIGN_CONTACTS)
def test_a_foreign_phone_beside_a_name_is_the_contact(message, phone, name):
    fields = extract([GuestText("A Deluxe King for 2 nights from 3 March 2027"), GuestText(message)], CTX).fields
    assert (fields.phone, fields.name) == (phone, name)


@pytest.mark.parametrize(
    "message",
    [
        "call me on (+44) 7911-123-456",
        "call me at +65.9123.4567",
        "please call me on +44 (0)7911 123456",
        "hubungi saya di (+62) 812-3456-7890",
    ],
)
def test_call_me_on_a_number_from_abroad_is_a_contact_not_a_person_asked_for(message):
    assert not modes.wants_human(message)


def test_call_me_without_a_number_still_asks_for_a_person():
    assert modes.wants_human("can someone call me at 3pm")


@pytest.mark.parametrize(
    ("messages", "wanted"),
    [
        (["We land quite late, could you arrange an airport pickup?"], ["airport pickup"]),
        (["Boleh jemput di lapangan terbang?"], ["jemput di lapangan terbang"]),
        (["Deluxe King, 2 adults, non-smoking please"], ["non-smoking"]),
        (["Salam, nak tempah deluxe king 2 dewasa, bilik tak merokok"], ["tak merokok"]),
        (["We'll be checking in late, around 11pm"], ["checking in late, around 11pm"]),
        (["Nak daftar masuk awal kalau boleh, dan kek hari jadi untuk isteri"], ["daftar masuk awal", "kek hari jadi"]),
        (["Team meeting, 25 people, we need a projector and lunch for everyone"], ["projector", "lunch for everyone"]),
        (["Mesyuarat 30 orang, perlu projektor dan makan tengah hari"], ["projektor", "makan tengah hari"]),
        (["Majlis 40 orang. Menu halal ya"], ["Menu halal"]),
        (["Could you put some balloons and a room decoration up?"], ["balloons", "room decoration"]),
        (["Two adjoining rooms, please, away from the lift"], ["adjoining rooms", "away from the lift"]),
    ],
)
def test_a_request_for_the_stay_is_kept_in_the_guests_words(messages, wanted):
    got = _requests(*messages)
    assert all(phrase in got for phrase in wanted), got


def test_the_word_that_asks_for_a_meal_is_not_kept():
    assert _requests("we need lunch for everyone") == "lunch for everyone"


@pytest.mark.parametrize(
    "message", ["Is breakfast included?", "Do you serve lunch?", "Is your food halal?", "I need a room for two"]
)
def test_a_question_about_a_meal_is_no_request(message):
    assert _requests(message) == ""


def test_a_date_range_after_the_adults_is_no_count_of_them():
    fields = extract([GuestText("Deluxe King Room 2 orang dewasa 3 hingga 5 April 2027, tingkat atas ya")], CTX).fields
    assert (fields.adults, fields.check_in, fields.check_out) == (2, dt.date(2027, 4, 3), dt.date(2027, 4, 5))


def test_the_child_whose_birthday_it_is_is_not_the_guests_count():
    fields = extract([GuestText("Nak buat majlis hari jadi anak, 40 orang pada 5 Disember 2027")], CTX).fields
    assert (fields.children, fields.group_size) == (None, 40)
