"""Events that never say "event", tables that celebrate something, a person asked for mid-booking and names that
begin like a Malay short form (issue 15, t15d6). One test per kind, in wordings of their own.

Every message here was written for these tests; none is taken from a dialogue set.
"""

from __future__ import annotations

import pytest

from assistant import modes
from leads.services.extraction import find_name
from leads.services.policy import DialogueState
from leads.tests.accuracy import fields  # 23 November 2026, Kuala Lumpur
from leads.turn import answer_hint

EVENTS = {
    "We get married on 3 April 2027 and need a venue that seats 250 guests": 250,
    "Mark and I are getting married next year, 20 March 2027, about 180 people": 180,
    "We are launching our new app on 2 September 2027, expecting 90 guests": 90,
    "Need a venue for 60 pax on 9 October 2027": 60,
    "Our year-end company dinner on 5 December 2027, about 90 staff": 90,
    "Majlis makan malam tahunan syarikat, 12hb Disember 2027, untuk 300 pekerja": 300,
    "Annual dinner for 75 employees on 11 December 2027": 75,
    "Kenduri anak saya 3hb April 2027, jemputan 600": 600,
    "Could your hotel host about 150 guests on 2 February 2027?": 150,
    "We're tying the knot on 6 June 2027, 200 guests": 200,
    "A 40th birthday bash for my wife on 3 July 2027, around 60 friends": 60,
}


OCCASIONS = {
    "Can we have the private dining room for 12 on 4 June 2027? It's my mum's 60th": "60th",
    "Tempah bilik makan persendirian untuk 15 orang, 8hb Ogos 2027, jamuan bersara ayah": "bersara",
    "Meja untuk 4 orang 10hb Mac 2027, ulang tahun perkahwinan ke-25 kami": "ulang tahun perkahwinan ke-25",
    "A table for 8 on 2 July 2027 please, a farewell dinner for a colleague": "farewell",
    "Could you hold a table for two on 14 Feb 2027? Our wedding anniversary": "wedding anniversary",
}


SHORT_FORM_NAMES = {
    "nama Syahirah": "Syahirah",
    "Nama Syed Hamzah": "Syed Hamzah",
    "nama Akif": "Akif",
    "nama Nizam, 012-334 5566": "Nizam",
    "tempahan atas nama Syakila": "Syakila",
    "nama sy Syukri": "Syukri",
}


@pytest.mark.parametrize(("text", "size"), EVENTS.items())
def test_an_event_said_without_the_word_and_its_crowd_are_read(text, size) -> None:
    got = fields(text)
    assert got["intent"] == "event"
    assert got["group_size"] == size
    assert got.get("event_date") is not None


@pytest.mark.parametrize(("text", "occasion"), OCCASIONS.items())
def test_a_table_or_a_private_dining_room_is_f_and_b_and_its_occasion_a_request(text, occasion) -> None:
    got = fields(text)
    assert got["intent"] == "fb_inquiry"
    assert occasion.casefold() in got["special_requests"].casefold()
    assert got.get("check_in") is None and got.get("event_date") is not None


@pytest.mark.parametrize(
    "text",
    [
        "Do you have a dewan for a wedding? We'd like a table for the family too, 5 May 2027, 400 guests",
        "A table for the conference lunch, 30 people on 6 June 2027",
    ],
)
def test_a_table_beside_a_hall_event_stays_an_event(text) -> None:
    assert fields(text)["intent"] == "event"


def test_a_dining_room_books_no_bed_and_a_room_is_still_a_room() -> None:
    assert fields("a dining room for 10 on 3 March 2027")["intent"] == "fb_inquiry"
    assert fields("a deluxe king room for 2 on 3 March 2027, 2 nights")["intent"] == "room_booking"


def test_the_people_who_take_bookings_are_a_person_asked_for_and_a_booking_word_alone_is_none() -> None:
    asked = [
        "Can I speak to a reservations officer?",
        "Please put me through to your sales team",
        "boleh sambungkan saya dengan pegawai tempahan?",
        "Nak cakap dengan pegawai hotel",
    ]
    assert all(modes.asks_for_person(text) for text in asked)
    alone = ["Is the reservation confirmed?", "Do you have an events space?", "What does the sales package include?"]
    assert not any(modes.asks_for_person(text) for text in alone)


@pytest.mark.parametrize(("text", "name"), SHORT_FORM_NAMES.items())
def test_a_name_beginning_like_a_short_form_keeps_its_first_letters(text, name) -> None:
    assert find_name(text)[0] == name


def test_a_person_asked_for_without_a_contact_is_remembered_in_the_dialogue_state() -> None:
    state = DialogueState(slots={"nights": 2}, person_asked=True)
    again = DialogueState.from_json(state.as_json())
    assert again.person_asked is True
    assert "person_asked" not in DialogueState(slots={"nights": 2}).as_json()


def test_the_label_before_a_name_in_lower_case_is_no_part_of_it_and_a_dinner_of_16_is_the_party() -> None:
    for text, name in (("nama syarifah aini", "syarifah aini"), ("Nama nurul huda", "nurul huda")):
        assert answer_hint(text, "name") == f"my name is {name}"
    assert fields("a family dinner of 16 at the restaurant on 25 June 2027")["group_size"] == 16
