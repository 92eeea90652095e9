"""Another occasion's day beside the stay, "2+2" wherever it is said, children by kin words, requests asked in an open
form, and names from abroad (accents, hyphens) read beside their phone."""

from __future__ import annotations

import datetime as dt

import pytest

from leads.services.extraction import GuestText, extract
from leads.services.schema import ExtractionContext
from leads.turn import CONTACT, answer_hint

CTX = ExtractionContext(reference=dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC))


def _fields(*messages: str):
    return extract([GuestText(m) for m in messages], CTX).fields


@pytest.mark.parametrize(
    ("messages", "check_in", "check_out"),
    [
        (
            ["Family Suite for 2 adults 1 child, 17 to 20 June 2027", "It's our son's birthday on the 19th"],
            dt.date(2027, 6, 17),
            dt.date(2027, 6, 20),
        ),
        (
            ["Deluxe King for 2, 1 to 4 May 2027. Our anniversary is on 3 May and the flight lands on the 1st"],
            dt.date(2027, 5, 1),
            dt.date(2027, 5, 4),
        ),
        (
            [
                "Deluxe King Room 2 dewasa 10 hingga 13 Julai 2027",
                "Hari jadi isteri saya pada 12hb, boleh sediakan kek?",
            ],
            dt.date(2027, 7, 10),
            dt.date(2027, 7, 13),
        ),
        (
            [
                "Family Suite 2 dewasa. Kapal terbang kami mendarat 11hb September,"
                " daftar masuk 12 hingga 15 September 2027"
            ],
            dt.date(2027, 9, 12),
            dt.date(2027, 9, 15),
        ),
    ],
)
def test_another_occasions_day_never_moves_the_stay(messages, check_in, check_out):
    fields = _fields(*messages)
    assert (fields.check_in, fields.check_out) == (check_in, check_out)


def test_a_room_for_the_birthday_alone_is_booked_for_that_day():
    # The only date said is the occasion's: it is the stay's too.
    assert _fields("A Deluxe King for my birthday on 19 June 2027, 2 nights, 2 adults").check_in == dt.date(2027, 6, 19)


def test_an_events_day_stays_the_event_date():
    fields = _fields("Majlis hari jadi anak pada 19 Jun 2027 untuk 40 orang, nak tempah dewan")
    assert fields.event_date == dt.date(2027, 6, 19)


@pytest.mark.parametrize(
    ("messages", "adults", "children"),
    [
        (["Family Suite, 10 to 12 July 2027. 2+2"], 2, 2),
        (["Family Suite 4 hingga 7 April 2027.", "2+1 ya. Saya Hafizah"], 2, 1),
        (["2 + 2, bilik keluarga, 18 hingga 20 Mac 2027"], 2, 2),
        (["Family Suite 8 hingga 10 Mei 2027 untuk saya, suami, anak sulung dan adik dia"], 2, 2),
        (["Family Suite for 2 adults, 2 to 5 January 2027", "Our eldest and our youngest are coming too"], 2, 2),
        (["Family Suite 2 dewasa, 15 hingga 17 Oktober 2027", "Saya bawa dua anak-anak saudara sekali"], 2, 2),
        (["A family suite for 2 adults and my niece, 3 to 5 May 2027"], 2, 1),
    ],
)
def test_the_party_by_plus_or_by_kin_words(messages, adults, children):
    fields = _fields(*messages)
    assert (fields.adults, fields.children) == (adults, children)


def test_a_plus_between_numbers_of_a_date_or_a_phone_is_no_party():
    assert _fields("Deluxe King 3 to 5 May 2027 for 2 adults. Call +60 12-345 6789").children is None


@pytest.mark.parametrize(
    ("message", "kept"),
    [
        ("Could you arrange some flowers in the room?", ["flowers in the room"]),
        ("could you arrange a small cake for our son?", ["small cake"]),
        ("Boleh sediakan sejadah dan kerusi roda?", ["sejadah", "kerusi roda"]),
        ("Tolong aturkan bilik yang dekat dengan lif ya", ["bilik yang dekat dengan lif"]),
        ("Boleh tak atur makan malam untuk 20 orang pada 3 Mac", ["makan malam"]),
    ],
)
def test_a_thing_asked_to_be_arranged_is_kept(message, kept):
    requests = _fields("Family Suite 2 adults 3 to 5 March 2027", message).special_requests or ""
    assert all(k.casefold() in requests.casefold() for k in kept)
    assert "untuk 20" not in requests and not requests.lower().endswith(" ya")


@pytest.mark.parametrize(
    "message",
    [
        "Could you tell me if breakfast is included?",
        "Boleh saya tahu waktu daftar masuk?",
        "Could you provide the price for a family suite?",
        "Can you send me the details please?",
        "Boleh berikan maklumat tentang parkir?",
    ],
)
def test_a_question_asked_in_the_same_form_adds_nothing(message):
    assert _fields("Family Suite 2 adults 3 to 5 March 2027", message).special_requests is None


def test_a_request_said_twice_in_two_forms_is_kept_once():
    requests = _fields("Can you arrange an airport transfer please?").special_requests
    assert requests == "airport transfer"


# (what the guest types, the name read, the phone read): accents, hyphens, the number first or last.
NAMES_FROM_ABROAD = {
    "Jürgen Müller, +49 151 2345 6789": ("Jürgen Müller", "+4915123456789"),
    "José Álvarez +34 612 345 678": ("José Álvarez", "+34612345678"),
    "+82 10-1234-5678 Park Ji-hoon": ("Park Ji-hoon", "+821012345678"),
    "Faisal Al-Harbi 00966 55 123 4567": ("Faisal Al-Harbi", "+966551234567"),
}


@pytest.mark.parametrize(("message", "name", "phone"), [(m, *read) for m, read in NAMES_FROM_ABROAD.items()])
def test_a_name_from_abroad_beside_its_phone(message, name, phone):
    fields = _fields("A Deluxe King for 2 adults, 20 to 23 May 2027", message)
    assert (fields.name, fields.phone) == (name, phone)


def test_a_hyphenated_name_keeps_its_hyphen_when_asked_for_the_contact():
    assert answer_hint("Faisal Al-Harbi 00966 55 123 4567", CONTACT) == "my name is Faisal Al-Harbi"
    assert answer_hint("Park Ji-hoon +82 10-1234-5678", "name") == "my name is Park Ji-hoon"


@pytest.mark.parametrize(
    ("message", "name"),
    [
        ("李明 +86 138 0013 8000", "李明"),
        ("Мария Иванова +7 916 123 45 67", "Мария Иванова"),
        ("김민준 +82 10 1234 5678", "김민준"),
        ("محمد علي +971 50 123 4567", "محمد علي"),
    ],
)
def test_a_name_in_its_own_script_beside_its_phone(message, name):
    assert _fields("A Deluxe King for 2 adults, 20 to 23 May 2027", message).name == name


@pytest.mark.parametrize("message", ["ok +65 9123 4567", "😊 +65 9123 4567", "tq! +44 7911 123456"])
def test_chatter_or_an_emoji_beside_a_phone_is_no_name(message):
    assert _fields("A Deluxe King for 2 adults, 20 to 23 May 2027", message).name is None


@pytest.mark.parametrize(
    ("message", "phone"),
    [
        ("Emma Wilson 44 7911 123456", "+447911123456"),
        ("Kevin Lim 65 9123 4567", "+6591234567"),
        ("John Smith 1-415-555-0132", "+14155550132"),
        ("Faisal Al-Harbi 966 55 123 4567", "+966551234567"),
        ("Nur 60 12-345 6789", "+60123456789"),
    ],
)
def test_a_number_from_abroad_without_its_plus_is_the_contact(message, phone):
    fields = _fields("A Deluxe King for 2 adults, 20 to 23 May 2027", message)
    assert fields.phone == phone and fields.name


@pytest.mark.parametrize(
    "message",
    [
        "Booking ref 123456789 for 2 adults",
        "RM 1 200 000 budget, 20 25 30 people",
        "2027 03 05 to 2027 03 08 for 2 adults",
        "IC saya 900101-14-5678, 2 adults 3 to 5 March 2027",
    ],
)
def test_a_count_a_date_or_a_reference_is_no_phone(message):
    assert _fields(message).phone is None
